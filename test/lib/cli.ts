import { spawnSync } from "child_process";
import * as path from "path";
import { main } from "../../cli/main";
import { PACK_DIR } from "./pack";

export interface CommandResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs `immutable-guard <args>` in this process and captures what it prints. */
export async function runCommand(args: string[]): Promise<CommandResult> {
    let stdout = "";
    let stderr = "";
    const out = process.stdout.write;
    const err = process.stderr.write;
    process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += chunk.toString()), true)) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += chunk.toString()), true)) as typeof process.stderr.write;
    try {
        const code = await main(args);
        return { code, stdout, stderr };
    } finally {
        process.stdout.write = out;
        process.stderr.write = err;
    }
}

/** The command as npm installs it: the compiled `bin/cli/main.js` in a process of its own, run from the pack's directory unless `cwd` says otherwise. */
export function runInstalled(args: string[], input?: string | Buffer, cwd = PACK_DIR): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [path.join(PACK_DIR, "bin", "cli", "main.js"), ...args], { cwd, input, encoding: "utf8" });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
