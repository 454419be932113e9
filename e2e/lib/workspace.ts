/**
 * A throwaway Pulumi workspace for the end-to-end suite: a local file backend and PULUMI_HOME in a
 * temporary folder, an empty passphrase, no update checks and no plugin downloads, with the real CLI
 * and the test providers (e2e/providers/bin) first on PATH. Nothing reaches a cloud or the network.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { findInstalledPulumi } from "./pulumi-cli";

export const REPO = path.resolve(__dirname, "..", "..");
export const PACK_DIR = REPO;
const PROVIDERS_BIN = path.join(REPO, "e2e", "providers", "bin");

export interface CommandResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** One engine event from `--event-log`, reduced to what the suite reads. */
export interface EngineEvent {
    policyEvent?: {
        resourceUrn?: string;
        message: string;
        policyName: string;
        policyPackName: string;
        enforcementLevel: string;
    };
    diagnosticEvent?: { message: string; severity: string; urn?: string };
    summaryEvent?: unknown;
}

export class Workspace {
    readonly root: string;
    readonly env: NodeJS.ProcessEnv;

    /** binDir: the directory holding `pulumi`; by default an installed one. */
    constructor(binDir = findInstalledPulumi()) {
        if (!binDir) {
            throw new Error("no Pulumi CLI: run the suite with `npm run e2e`, which obtains one");
        }
        this.root = fs.mkdtempSync(path.join(os.tmpdir(), "ig-e2e-"));
        const backend = path.join(this.root, "state");
        fs.mkdirSync(backend);
        this.env = {
            ...process.env,
            PATH: [PROVIDERS_BIN, binDir, process.env.PATH ?? ""].join(path.delimiter),
            PULUMI_HOME: path.join(this.root, "home"),
            PULUMI_BACKEND_URL: `file://${backend}`,
            PULUMI_CONFIG_PASSPHRASE: "",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_SKIP_CONFIRMATIONS: "true",
            PULUMI_ACCESS_TOKEN: "",
            NO_COLOR: "1",
            // Makes --event-log available, as the Automation API does: the engine's own events, policy findings included.
            PULUMI_DEBUG_COMMANDS: "true",
        };
        delete this.env.IMMUTABLE_GUARD_REPORT;
    }

    /** Copies a program into the workspace under its own name; it resolves packages from the repository's node_modules. */
    program(source: string, name = path.basename(source), stack = "dev"): Program {
        const dir = path.join(this.root, "programs", name);
        fs.cpSync(source, dir, { recursive: true, filter: (from) => path.basename(from) !== "node_modules" });
        fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"), "dir");
        return new Program(this, dir, stack);
    }

    run(args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}, input?: string): Promise<CommandResult> {
        return runCommand("pulumi", args, cwd, { ...this.env, ...extraEnv }, input);
    }

    dispose(): void {
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}

export class Program {
    constructor(
        readonly workspace: Workspace,
        readonly dir: string,
        readonly stack: string,
    ) {}

    async init(): Promise<void> {
        const result = await this.workspace.run(["stack", "init", this.stack, "--non-interactive"], this.dir);
        if (result.code !== 0) {
            throw new Error(`pulumi stack init exited ${result.code}\n${result.stdout}\n${result.stderr}`);
        }
    }

    /** `pulumi <args>` in the program's directory, on its stack. */
    pulumi(args: string[], extraEnv: NodeJS.ProcessEnv = {}, input?: string): Promise<CommandResult> {
        return this.workspace.run([...args, "--stack", this.stack], this.dir, extraEnv, input);
    }

    async must(args: string[], extraEnv: NodeJS.ProcessEnv = {}, input?: string): Promise<CommandResult> {
        const result = await this.pulumi(args, extraEnv, input);
        if (result.code !== 0) {
            throw new Error(`pulumi ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
        }
        return result;
    }

    /** Runs preview/up/policy analyze with an event log and returns the result and the engine's events. */
    async withEvents(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CommandResult & { events: EngineEvent[] }> {
        const log = path.join(this.workspace.root, `events-${Date.now()}-${Math.random().toString(16).slice(2)}.jsonl`);
        const result = await this.pulumi([...args, "--event-log", log], extraEnv);
        const events = fs.existsSync(log)
            ? fs
                  .readFileSync(log, "utf8")
                  .split("\n")
                  .filter((line) => line.trim())
                  .map((line) => JSON.parse(line) as EngineEvent)
            : [];
        return { ...result, events };
    }

    writeFile(name: string, text: string): string {
        const file = path.join(this.dir, name);
        fs.writeFileSync(file, text);
        return file;
    }

    /** Rewrites the program's entry point with a change applied. */
    edit(change: (source: string) => string, file = "index.ts"): void {
        const full = path.join(this.dir, file);
        const before = fs.readFileSync(full, "utf8");
        const after = change(before);
        if (after === before) {
            throw new Error(`the edit changed nothing in ${file}`);
        }
        fs.writeFileSync(full, after);
    }
}

/** Policy findings of a run as `policy resource-name level`, sorted, for exact comparison. */
export function findings(events: EngineEvent[]): { policy: string; resource: string; level: string; message: string }[] {
    return events
        .flatMap((e) => (e.policyEvent ? [e.policyEvent] : []))
        .map((p) => ({
            policy: p.policyName,
            resource: p.resourceUrn ? p.resourceUrn.slice(p.resourceUrn.lastIndexOf("::") + 2) : "",
            level: p.enforcementLevel === "warning" ? "advisory" : p.enforcementLevel,
            message: p.message,
        }))
        .sort((a, b) => `${a.policy} ${a.resource}`.localeCompare(`${b.policy} ${b.resource}`));
}

export function runCommand(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, input?: string): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
        child.stdin.end(input ?? "");
    });
}
