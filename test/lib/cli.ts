import { main } from "../../cli/main";

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
