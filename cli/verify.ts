/**
 * `immutable-guard verify [pack-dir]`: recomputes the manifest of an installed pack and compares it
 * with the pack-manifest.json the build wrote, so an auditor can tell that the code which produced
 * a report line (whose packDigest names that manifest) is the code installed, byte for byte.
 */
import * as fs from "fs";
import * as path from "path";
import { EXIT_OK, EXIT_VIOLATION, parseCommandLine, UsageError } from "./command-line";
import { checkManifest, ManifestError, readManifest } from "./pack-manifest";
import { readValidPolicyPackConfig, reconcilePolicyPackConfig } from "./policy-config";
import type { PolicyDescription } from "./analyzer-client";
import { configDigest } from "../rules/lib/config-digest";
import { manifestDigest, MANIFEST_FILE } from "../rules/lib/pack-package";

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The digest a report line would carry for this config file with this version's policies. */
function digestOfConfigFile(file: string, packDir: string): string {
    const { policies } = require("../rules") as typeof import("../rules");
    const descriptions: PolicyDescription[] = policies.map((p) => ({
        name: p.name,
        displayName: p.displayName ?? p.name,
        description: p.description,
        enforcementLevel: p.enforcementLevel ?? "mandatory",
        remediationSteps: p.remediationSteps ?? "",
        configSchema: (p.configSchema?.properties ?? {}) as Record<string, unknown>,
        required: p.configSchema?.required ?? [],
        tags: p.tags ?? [],
    }));
    const reconciled = reconcilePolicyPackConfig(descriptions, {}, readValidPolicyPackConfig(file).config);
    if (!reconciled.config) {
        throw new UsageError(`--config ${file} is invalid:\n  - ${reconciled.problems.join("\n  - ")}`);
    }
    return configDigest(descriptions, reconciled.config, packDir);
}

export async function run(args: string[]): Promise<number> {
    const { values, positionals } = parseCommandLine(args, {
        digest: { type: "string" },
        config: { type: "string" },
    });
    if (positionals.length > 1) {
        throw new UsageError("name at most one pack directory; see immutable-guard --help");
    }
    if (values.digest !== undefined && !DIGEST.test(values.digest)) {
        throw new UsageError(`--digest must be sha256:<64 lowercase hex>, as report lines print it, not "${values.digest}"`);
    }
    const packDir = path.resolve(positionals[0] ?? ".");
    if (!fs.existsSync(packDir) || !fs.statSync(packDir).isDirectory()) {
        throw new UsageError(`${packDir} is not a directory`);
    }
    let read: ReturnType<typeof readManifest>;
    try {
        read = readManifest(packDir);
    } catch (e) {
        if (e instanceof ManifestError) {
            throw new UsageError(e.message);
        }
        throw e;
    }
    const config = values.config !== undefined ? digestOfConfigFile(values.config, packDir) : undefined;

    const { manifest, bytes } = read;
    const digest = manifestDigest(bytes);
    const check = checkManifest(packDir, manifest);
    const problems = [
        ...check.changed.map((f) => `changed: ${f}`),
        ...check.missing.map((f) => `missing: ${f}`),
        ...check.added.map((f) => `added: ${f}`),
    ];
    if (values.digest !== undefined && values.digest !== digest) {
        problems.push(`${MANIFEST_FILE}: its digest is ${digest}, not the expected ${values.digest}`);
    }
    const lines = [
        ...problems,
        problems.length === 0
            ? `${packDir}: ${manifest.name} ${manifest.version}, all ${Object.keys(manifest.files).length} files match ${MANIFEST_FILE}`
            : `${packDir}: does not match ${MANIFEST_FILE} (${problems.length} ${problems.length === 1 ? "difference" : "differences"})`,
        `pack digest ${digest}`,
        ...(config !== undefined ? [`config digest ${config} (${values.config})`] : []),
    ];
    process.stdout.write(lines.join("\n") + "\n");
    return problems.length === 0 ? EXIT_OK : EXIT_VIOLATION;
}
