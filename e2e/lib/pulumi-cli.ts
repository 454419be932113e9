import { spawnSync } from "child_process";
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

const ENSURE_PULUMI = path.join(__dirname, "..", "pulumi-cli", "ensure-pulumi.sh");
/** ensure-pulumi.sh --no-build exits so when no CLI is installed or cached. */
const NONE_WITHOUT_BUILD = 3;

/**
 * The directory of a Pulumi CLI from e2e/pulumi-cli/ensure-pulumi.sh: an installed one, else one
 * already built into its cache, else (only when `build` is set) one built now, which takes minutes.
 * Undefined when there is none and no build was asked for; a failed build throws with its output.
 */
export function obtainPulumi(build: boolean): string | undefined {
    const found = spawnSync("bash", [ENSURE_PULUMI, ...(build ? [] : ["--no-build"])], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", build ? "inherit" : "pipe"],
    });
    if (found.status === 0) {
        return found.stdout.trim();
    }
    if (!build && found.status === NONE_WITHOUT_BUILD) {
        return undefined;
    }
    throw new Error(`${path.relative(process.cwd(), ENSURE_PULUMI)} failed (exit ${found.status}): ${(found.stderr ?? "").trim()}`);
}
