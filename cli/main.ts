#!/usr/bin/env node
/**
 * The `immutable-guard` command: local dry runs, the lock, the plan gate, report rendering and the
 * pack's own integrity check.
 */
import { EXIT_OK, EXIT_USAGE, UsageError } from "./command-line";

interface Command {
    usage: string;
    summary: string;
    run: (args: string[]) => Promise<number>;
}

// Each command module is loaded only when it runs, so one command's dependencies never slow another.
const COMMANDS: Record<string, Command> = {
    "dry-run": {
        usage: "dry-run <program-dir>... [--config <file>] [--format text|json|sarif] [--stack <name>] [--config-value <key>=<value>]... [--mode preview|up] [--mocks <file>] [--transpile-only] [--soft-fail] [--fail-incomplete] [--policy-pack <dir>]",
        summary: "Run Pulumi programs with mocked providers through the pack, as `pulumi preview --policy-pack` would.",
        run: (args) => import("./dry-run").then((m) => m.run(args)),
    },
    report: {
        usage: "report <file> [--format text|json|sarif] [--program <dir>] [--soft-fail]",
        summary: "Render the IMMUTABLE_GUARD_REPORT file a real preview or update wrote, like the dry run.",
        run: (args) => import("./report").then((m) => m.run(args)),
    },
    lock: {
        usage: "lock <stack-export.json|-> [--out file] [--config file] | lock diff <old> <new>",
        summary: "Lock the inputs of flagged resources and the settings in force from `pulumi stack export` into a policy-pack config; diff two locks for review, weakened settings apart.",
        run: (args) => import("./lock").then((m) => m.run(args)),
    },
    "plan-check": {
        usage: "plan-check <preview.json|-> [--config file]",
        summary: "Fail (exit 1) when `pulumi preview --json` plans an in-place update of a flagged resource.",
        run: (args) => import("./plan-check").then((m) => m.run(args)),
    },
    verify: {
        usage: "verify [pack-dir] [--digest sha256:<hex>] [--config file]",
        summary: "Check an installed pack against its pack-manifest.json (exit 1 naming each changed, missing or added file); print its pack digest and a config's digest.",
        run: (args) => import("./verify").then((m) => m.run(args)),
    },
};

function usage(): string {
    const lines = Object.values(COMMANDS).map((c) => `  immutable-guard ${c.usage}\n      ${c.summary}`);
    return `usage:\n${lines.join("\n")}\n`;
}

export async function main(argv: string[]): Promise<number> {
    const [name, ...args] = argv;
    if (!name || name === "--help" || name === "-h" || name === "help") {
        process.stdout.write(usage());
        return name ? EXIT_OK : EXIT_USAGE;
    }
    const command = COMMANDS[name];
    if (!command) {
        process.stderr.write(`immutable-guard: unknown command "${name}"\n${usage()}`);
        return EXIT_USAGE;
    }
    try {
        return await command.run(args);
    } catch (e) {
        if (e instanceof UsageError) {
            process.stderr.write(`immutable-guard ${name}: ${e.message}\n`);
            return EXIT_USAGE;
        }
        throw e;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => (process.exitCode = code),
        (e: unknown) => {
            process.stderr.write(`immutable-guard: ${e instanceof Error ? e.message : String(e)}\n`);
            process.exitCode = EXIT_USAGE;
        },
    );
}
