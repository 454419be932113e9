import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/**
 * The config digest: one sha256 over the config in force, normalized, so a finding can be tied to
 * the exact settings that produced it. Normalized means: every policy of the pack (policies the
 * config does not name at their default level, with no settings), names and keys in code-unit order,
 * entries for other names (`all`, whose level is already applied) left out, and a `lockFile` joined by
 * the sha256 of the file it names, so a lock changed in place changes the digest. Locks, exemptions
 * and every other setting are inside; no value is ever printed, only the hash of them all.
 */

const DIGEST_VERSION = "immutable-guard config v1";

export interface PolicyDefaults {
    name: string;
    enforcementLevel?: string;
}

export interface ConfigEntry {
    enforcementLevel?: string;
    properties: Record<string, unknown>;
}

/** JSON with object keys sorted, so equal values give equal text whatever order they were written in. */
export function canonical(value: unknown): string {
    if (Array.isArray(value)) {
        return `[${value.map((v) => (v === undefined ? "null" : canonical(v))).join(",")}]`;
    }
    if (value !== null && typeof value === "object") {
        const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
        return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`;
    }
    return JSON.stringify(value) ?? "null";
}

function lockFileDigest(file: unknown, baseDir: string): string | undefined {
    if (typeof file !== "string" || file === "") {
        return undefined;
    }
    try {
        return `sha256:${createHash("sha256").update(fs.readFileSync(path.resolve(baseDir, file))).digest("hex")}`;
    } catch (e) {
        return `unreadable (${(e as NodeJS.ErrnoException).code ?? "error"})`;
    }
}

/**
 * @param config each policy's level and settings, as Configure receives them
 * @param baseDir what a `lockFile` is relative to: the pack's directory, where the CLI starts it
 */
export function configDigest(policies: readonly PolicyDefaults[], config: Readonly<Record<string, ConfigEntry | undefined>>, baseDir: string): string {
    const normalized: Record<string, unknown> = {};
    for (const policy of policies) {
        const entry = config[policy.name];
        const properties = { ...(entry?.properties ?? {}) };
        const lockFile = lockFileDigest(properties.lockFile, baseDir);
        normalized[policy.name] = {
            enforcementLevel: entry?.enforcementLevel ?? policy.enforcementLevel ?? "mandatory",
            properties: lockFile ? { ...properties, lockFileDigest: lockFile } : properties,
        };
    }
    return `sha256:${createHash("sha256").update(`${DIGEST_VERSION}\n${canonical(normalized)}`).digest("hex")}`;
}

// The config in force in this process: set at start-up and at every Configure, hashed on first use.
let inForce: { policies: readonly PolicyDefaults[]; config: Record<string, ConfigEntry>; baseDir: string } | undefined;
let inForceDigest: string | undefined;

export function setConfigInForce(policies: readonly PolicyDefaults[], config: Record<string, ConfigEntry>, baseDir: string): void {
    inForce = { policies, config, baseDir };
    inForceDigest = undefined;
}

/** The digest of the config in force, or null before the pack set one (rules run outside a pack). */
export function configDigestInForce(): string | null {
    if (!inForce) {
        return null;
    }
    inForceDigest ??= configDigest(inForce.policies, inForce.config, inForce.baseDir);
    return inForceDigest;
}
