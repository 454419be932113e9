import * as path from "path";
import { REPO, runCommand, type CommandResult } from "./workspace";

const MAIN = path.join(REPO, "bin", "cli", "main.js");

/** The pack's own command line, as built by `npm run build`, with optional standard input. */
export function immutableGuard(args: string[], input?: string, cwd = REPO): Promise<CommandResult> {
    return runCommand(process.execPath, [MAIN, ...args], cwd, process.env, input);
}
