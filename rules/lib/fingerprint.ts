import { createHmac, randomBytes } from "crypto";

/**
 * Fingerprints of input values for the lock: an HMAC-SHA256 of the value's canonical JSON, keyed with the
 * lock's random salt and cut to 128 bits.
 *
 * Every fingerprint is salted, not only those of values the export marked secret: at Analyze time the
 * engine hands policies secrets unwrapped, so the pack cannot tell which values were secret, and a value
 * can be sensitive without being marked (a password passed as a plain string). A salted fingerprint is
 * useless for precomputed tables and cannot be linked across locks with different salts. The salt has to
 * sit in the lock for the pack to verify values, so whoever can read the lock can still test guesses of a
 * short secret one by one; the README says so.
 */

export const FINGERPRINT_ALGORITHM = "hmac-sha256-128";

const SALT_BYTES = 32;
const FINGERPRINT_BYTES = 16;

/** A fresh random salt for a new lock (base64url). */
export function newSalt(): string {
    return randomBytes(SALT_BYTES).toString("base64url");
}

export function isSalt(text: unknown): text is string {
    return typeof text === "string" && /^[A-Za-z0-9_-]{43}$/.test(text);
}

export function isFingerprint(text: unknown): text is string {
    return typeof text === "string" && /^[A-Za-z0-9_-]{22}$/.test(text);
}

/**
 * JSON with object keys sorted at every level, so key order never changes a fingerprint. Members whose
 * value is undefined are left out, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
    if (value === null || typeof value !== "object") {
        return JSON.stringify(value) ?? "null";
    }
    if (Array.isArray(value)) {
        return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
    }
    const record = value as Record<string, unknown>;
    const members: string[] = [];
    for (const key of Object.keys(record).sort()) {
        if (record[key] !== undefined) {
            members.push(`${JSON.stringify(key)}:${canonicalJson(record[key])}`);
        }
    }
    return `{${members.join(",")}}`;
}

/**
 * Computes fingerprints under one lock's salt. The resource's URN and the property path go into the HMAC
 * with the value, so equal values in different places get different fingerprints: a lock never shows that
 * a password equals some other, readable, input.
 */
export class Fingerprinter {
    private readonly key: Buffer;

    constructor(salt: string) {
        this.key = Buffer.from(salt, "base64url");
    }

    /** Fingerprint of a canonical JSON text found at a path of a resource. */
    ofCanonical(urn: string, path: string, canonical: string): string {
        return createHmac("sha256", this.key)
            .update(urn, "utf8").update("\0").update(path, "utf8").update("\0").update(canonical, "utf8")
            .digest().subarray(0, FINGERPRINT_BYTES).toString("base64url");
    }

    of(urn: string, path: string, value: unknown): string {
        return this.ofCanonical(urn, path, canonicalJson(value));
    }
}
