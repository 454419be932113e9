import * as fs from "fs";
import * as path from "path";

/** The directory of an installed Pulumi CLI: IMMUTABLE_GUARD_PULUMI_BIN, else the first `pulumi` on PATH. */
export function findInstalledPulumi(): string | undefined {
    const named = process.env.IMMUTABLE_GUARD_PULUMI_BIN;
    if (named) {
        return named;
    }
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        const candidate = path.join(dir, "pulumi");
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            return path.dirname(fs.realpathSync(candidate));
        } catch {
            // not in this PATH entry
        }
    }
    return undefined;
}
