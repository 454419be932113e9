import { fork } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { HostRequest, HostResponse } from "./captured-stack";
import type { MockAnswers } from "./mocks";
import type { ProgramProject } from "./project";

export interface ProgramRunOptions {
    preview: boolean;
    organization: string;
    packDir: string;
    timeoutMs: number;
    mocks?: MockAnswers;
}

export type ProgramRun = HostResponse & { ms: number };

const OUTPUT_TAIL = 4000;

/** The compiled host script: beside this file when compiled, under bin/ when this runs from source. */
function hostScript(packDir: string): string {
    const beside = path.join(__dirname, "program-host.js");
    return fs.existsSync(beside) ? beside : path.join(packDir, "bin", "cli", "dry-run", "program-host.js");
}

function tail(text: string): string {
    const trimmed = text.trim();
    return trimmed.length > OUTPUT_TAIL ? `…${trimmed.slice(-OUTPUT_TAIL)}` : trimmed;
}

/** Runs one program in its own process with mocks and returns the resources it registered. */
export function runProgram(project: ProgramProject, options: ProgramRunOptions): Promise<ProgramRun> {
    const began = Date.now();
    const request: HostRequest = {
        programDir: project.dir,
        main: project.main,
        entry: project.entry,
        esm: project.esm,
        project: project.project,
        stack: project.stack,
        organization: options.organization,
        preview: options.preview,
        typescript: project.typescript,
        tsconfig: project.tsconfig,
        config: project.config,
        secretKeys: project.secretKeys,
        packDir: options.packDir,
        mocks: options.mocks,
    };
    return new Promise((resolve) => {
        let output = "";
        let settled = false;
        const child = fork(hostScript(options.packDir), [], {
            cwd: project.dir,
            stdio: ["ignore", "pipe", "pipe", "ipc"],
            execArgv: [],
        });
        const finish = (response: HostResponse) => {
            if (!settled) {
                settled = true;
                clearTimeout(timer);
                resolve({ ...response, ms: Date.now() - began });
            }
        };
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            finish({ ok: false, error: `the program did not finish within ${options.timeoutMs / 1000} s`, unseen: [], notes: [] });
        }, options.timeoutMs);
        // What the program prints is kept (its end only) to explain a failure.
        const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2 * OUTPUT_TAIL));
        child.stdout?.on("data", keep);
        child.stderr?.on("data", keep);
        child.on("message", (response: HostResponse) => finish(response));
        child.on("error", (error) => finish({ ok: false, error: `the program could not be started: ${error.message}`, unseen: [], notes: [] }));
        child.on("exit", (code, signal) => {
            const printed = tail(output);
            finish({
                ok: false,
                error: `the program exited (${signal ?? `code ${code}`}) before it finished registering resources` +
                    (printed ? `; it printed:\n${printed}` : ""),
                unseen: [],
                notes: [],
            });
        });
        child.send(request);
    });
}

/** Runs `work` over `items` with at most `limit` at a time; the promises come back in item order. */
export function withLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R>[] {
    let running = 0;
    const waiting: (() => void)[] = [];
    const slot = async (): Promise<void> => {
        if (running < limit) {
            running++;
            return;
        }
        await new Promise<void>((resolve) => waiting.push(resolve));
    };
    const release = () => {
        const next = waiting.shift();
        if (next) {
            next();
        } else {
            running--;
        }
    };
    return items.map(async (item) => {
        await slot();
        try {
            return await work(item);
        } finally {
            release();
        }
    });
}
