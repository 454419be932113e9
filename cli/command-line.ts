/**
 * What every `immutable-guard` subcommand shares: exit codes, the usage error and argument parsing.
 * Exit codes everywhere: 0 clean, 1 a mandatory violation (or a blocked update), 2 usage or input error.
 */
import { parseArgs, type ParseArgsConfig } from "util";

export const EXIT_OK = 0;
export const EXIT_VIOLATION = 1;
export const EXIT_USAGE = 2;

/** Thrown for bad arguments or unreadable input: printed without a stack trace, exit 2. */
export class UsageError extends Error {}

/** `util.parseArgs` for a command's arguments: positionals allowed, its errors made usage errors. */
export function parseCommandLine<O extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: O) {
    try {
        return parseArgs<{ args: string[]; options: O; allowPositionals: true }>({ args, options, allowPositionals: true });
    } catch (e) {
        throw new UsageError(`${(e as Error).message}; see immutable-guard --help`);
    }
}
