/**
 * Type-checks programs the way `pulumi preview` does before running them (ts-node with type
 * checking), but once for all programs that share compiler options: each ts-node process would
 * load the provider SDKs' declarations again (about 3,700 files), some 5 s more a program, where
 * one shared check costs about 7 s of CPU in all. It runs in its own process, beside the programs.
 */
import { fork } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type * as TS from "typescript";
import { isWithin } from "./project";

export interface TypeCheckTarget {
    dir: string;
    entry: string;
    tsconfig?: string;
    /** An ES module: the language host's defaults then target ES2022. */
    esm: boolean;
}

interface WorkerRequest {
    targets: TypeCheckTarget[];
    packDir: string;
    cwd: string;
}

type WorkerResponse = { ok: true; errors: Record<string, string[]> } | { ok: false; error: string };

// The defaults `pulumi` gives ts-node when TypeScript is 4.7 or newer (ES2022 for an ES module); a tsconfig.json overrides them.
const PULUMI_DEFAULTS = { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: true };
const PULUMI_ESM_DEFAULTS = { ...PULUMI_DEFAULTS, target: "ES2022" };
// Codes ts-node ignores by default: option-only warnings that do not stop a program.
const IGNORED_CODES = new Set([6059, 18002, 18003]);

function loadTypeScript(request: WorkerRequest): typeof TS {
    const paths = [...request.targets.map((t) => t.dir), request.packDir];
    return require(require.resolve("typescript", { paths })) as typeof TS;
}

function compilerOptions(ts: typeof TS, target: TypeCheckTarget): TS.CompilerOptions {
    const defaults = ts.convertCompilerOptionsFromJson(target.esm ? PULUMI_ESM_DEFAULTS : PULUMI_DEFAULTS, target.dir).options;
    if (!target.tsconfig) {
        return { ...defaults, noEmit: true };
    }
    const parsed = ts.getParsedCommandLineOfConfigFile(target.tsconfig, { noEmit: true }, {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: () => undefined,
    });
    return { ...defaults, ...(parsed?.options ?? {}), noEmit: true };
}

function checkTargets(request: WorkerRequest): Record<string, string[]> {
    const ts = loadTypeScript(request);
    const formatHost: TS.FormatDiagnosticsHost = {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => request.cwd,
        getNewLine: () => "\n",
    };
    const errors: Record<string, string[]> = {};
    const groups = new Map<string, TypeCheckTarget[]>();
    for (const target of request.targets) {
        errors[target.dir] = [];
        const key = `${target.esm}\u0000${target.tsconfig ?? ""}`;
        groups.set(key, [...(groups.get(key) ?? []), target]);
    }
    for (const targets of groups.values()) {
        const program = ts.createProgram(targets.map((t) => t.entry), compilerOptions(ts, targets[0]));
        const report = (dirs: string[], diagnostics: readonly TS.Diagnostic[]) => {
            for (const d of diagnostics) {
                if (d.category === ts.DiagnosticCategory.Error && !IGNORED_CODES.has(d.code)) {
                    const text = ts.formatDiagnostic(d, formatHost).trim();
                    dirs.forEach((dir) => errors[dir].push(text));
                }
            }
        };
        const everyDir = targets.map((t) => t.dir);
        report(everyDir, [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]);
        for (const file of program.getSourceFiles()) {
            if (file.isDeclarationFile || file.fileName.includes("/node_modules/")) {
                continue;
            }
            const owners = everyDir.filter((dir) => isWithin(path.resolve(file.fileName), dir));
            report(owners, [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]);
        }
    }
    return errors;
}

/** The compiled worker: beside this file when compiled, under bin/ when this runs from source. */
function workerScript(packDir: string): string {
    const beside = path.join(__dirname, "type-check.js");
    return fs.existsSync(beside) ? beside : path.join(packDir, "bin", "cli", "dry-run", "type-check.js");
}

/** Type errors per program directory (empty when it compiles). */
export function typeCheck(targets: readonly TypeCheckTarget[], packDir: string): Promise<Map<string, string[]>> {
    if (targets.length === 0) {
        return Promise.resolve(new Map());
    }
    return new Promise((resolve, reject) => {
        let stderr = "";
        const child = fork(workerScript(packDir), [], { stdio: ["ignore", "ignore", "pipe", "ipc"], execArgv: [] });
        child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("message", (response: WorkerResponse) => {
            child.kill();
            if (response.ok) {
                resolve(new Map(Object.entries(response.errors)));
            } else {
                reject(new Error(response.error));
            }
        });
        child.on("exit", (code) => reject(new Error(`the type checker exited with code ${code}${stderr ? `: ${stderr.trim().slice(-2000)}` : ""}`)));
        const request: WorkerRequest = { targets: [...targets], packDir, cwd: process.cwd() };
        child.send(request);
    });
}

if (require.main === module) {
    process.once("message", (request: WorkerRequest) => {
        let response: WorkerResponse;
        try {
            response = { ok: true, errors: checkTargets(request) };
        } catch (e) {
            response = { ok: false, error: e instanceof Error ? e.message : String(e) };
        }
        process.send?.(response, () => process.exit(0));
    });
}
