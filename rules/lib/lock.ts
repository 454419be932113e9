import * as fs from "fs";
import * as path from "path";
import { canonicalJson, FINGERPRINT_ALGORITHM, Fingerprinter, isFingerprint, isSalt } from "./fingerprint";
import { FLAG_RULES_POLICY } from "./flagging";
import { isJsonObject } from "./json-property";
import { readLockedSettings, type LockedSettings } from "./locked-settings";
import { ConfigError, type Props } from "./policy";
import { appendIndex, appendKey, type Segment } from "./property-path";
import { autonamedPaths, isBookkeeping } from "./provider-bookkeeping";
import { isUnknown } from "./unknowns";

/**
 * The lock: for each flagged resource of a stack, a fingerprint of every input property as the stack
 * last deployed it. Written by `immutable-guard lock` from `pulumi stack export`, read by the
 * `immutable-no-in-place-update` policies and by `immutable-guard lock diff`.
 */

export const LOCK_VERSION = 1;

/** How a lock is made or remade, as every message that asks for it says. */
export const LOCK_COMMAND = "pulumi stack export --show-secrets | immutable-guard lock - --config <policy-config.json> --out <policy-config.json>";

/** Whether the export the lock came from showed its secrets. */
export type SecretsMode = "shown" | "encrypted" | "none";

export interface LockEntry {
    type: string;
    /** Fingerprint of all inputs together (without the unverifiable ones), for a quick equality test. */
    digest: string;
    /** Fingerprint of each leaf input, by property path. */
    properties: Record<string, string>;
    /** Paths whose values the export marked secret (their fingerprints are salted like every other). */
    secrets?: string[];
    /** Paths whose values could not be fingerprinted, with why (an encrypted secret, an asset). */
    unverifiable?: Record<string, string>;
    /** Paths holding a name the provider generated; a newly generated name there is not a change. */
    autonamed?: string[];
}

export interface Lock {
    version: typeof LOCK_VERSION;
    algorithm: typeof FINGERPRINT_ALGORITHM;
    salt: string;
    /** The stack and project the locked URNs belong to. */
    stack: string;
    project: string;
    secrets: SecretsMode;
    /**
     * The settings of every policy the lock was made under; a config in force that is weaker is reported.
     * Absent in locks made before the pack recorded them.
     */
    settings?: LockedSettings;
    resources: Record<string, LockEntry>;
}

// ---------------------------------------------------------------------------------------------
// Values as the lock command decodes them from a stack export.

/** Why an encrypted secret of the export is recorded as not verifiable. */
export const ENCRYPTED_SECRET = "an encrypted secret in the export";

/** A value the export shows but the pack cannot compare: an encrypted secret, an asset, an archive. */
export class Opaque {
    constructor(readonly why: string) {}
}

/** A secret whose plaintext the export shows (`--show-secrets`). */
export class SecretValue {
    constructor(readonly value: unknown) {}
}

type LeafKind = "value" | "secret" | "opaque" | "unknown";

export interface Leaf {
    segments: Segment[];
    kind: LeafKind;
    /** For value and secret leaves. */
    fingerprint?: string;
    /** For opaque leaves. */
    why?: string;
    /** The value itself, kept for the autoname test; never written anywhere. */
    value: unknown;
}

/** The resource fingerprints are computed for: the URN it is locked under and its type. */
export interface Scope {
    urn: string;
    type: string;
}

const OPAQUE_MARK = "\u0000opaque";
const UNKNOWN_MARK = "\u0000unknown";

// At Analyze time the SDK turns assets and archives into Pulumi asset objects whose fields are promises.
function assetKind(value: object): string | undefined {
    const v = value as { __pulumiAsset?: unknown; __pulumiArchive?: unknown };
    return v.__pulumiAsset ? "an asset" : v.__pulumiArchive ? "an archive" : undefined;
}

/** What normalizing met that has no fingerprint: an opaque value (and why), an unknown one. */
interface NormalizeState {
    opaque?: string;
    unknown?: boolean;
}

/**
 * The value as fingerprints see it: provider bookkeeping and null members dropped, secrets unwrapped,
 * values that cannot be compared replaced by a marker (and reported through `state`).
 */
function normalize(type: string, value: unknown, segments: Segment[], path: string, marked: ReadonlySet<string> | undefined, state: NormalizeState): unknown {
    if (marked?.has(path)) {
        return OPAQUE_MARK;
    }
    if (value instanceof SecretValue) {
        return normalize(type, value.value, segments, path, marked, state);
    }
    if (value instanceof Opaque) {
        state.opaque ??= value.why;
        return OPAQUE_MARK;
    }
    if (isUnknown(value)) {
        state.unknown = true;
        return UNKNOWN_MARK;
    }
    if (value === null || typeof value !== "object") {
        return value;
    }
    const asset = assetKind(value);
    if (asset) {
        state.opaque ??= asset;
        return OPAQUE_MARK;
    }
    if (Array.isArray(value)) {
        return value.map((element, i) => {
            segments.push(i);
            const out = normalize(type, element, segments, appendIndex(path, i), marked, state);
            segments.pop();
            return out;
        });
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
        const member = (value as Props)[key];
        if (member === null || member === undefined || isBookkeeping(type, key, segments)) {
            continue;
        }
        segments.push(key);
        out[key] = normalize(type, member, segments, appendKey(path, key), marked, state);
        segments.pop();
    }
    return out;
}

/**
 * Fingerprint of all inputs together. Paths in `unverifiable` (recorded so in the lock) count as
 * markers whatever they hold now, so a lock made from an encrypted export can still match.
 */
export function digestOf(resource: Scope, inputs: Props, fingerprints: Fingerprinter, unverifiable?: ReadonlySet<string>): string {
    const state: NormalizeState = {};
    return fingerprints.ofCanonical(resource.urn, "", canonicalJson(normalize(resource.type, inputs, [], "", unverifiable, state)));
}

/**
 * The leaves of the inputs, by path: scalars, empty objects and arrays, secrets, and values that
 * cannot be compared. A path for which `atomic` is true is one leaf whatever it holds, so a secret
 * that was one value in the export (and arrives unwrapped at Analyze time) is compared as a whole.
 */
export function leavesOf(resource: Scope, inputs: Props, fingerprints: Fingerprinter, atomic: (path: string) => boolean = () => false): Map<string, Leaf> {
    const { urn, type } = resource;
    const leaves = new Map<string, Leaf>();
    const segments: Segment[] = [];

    const whole = (path: string, value: unknown, kind: "value" | "secret"): void => {
        const state: NormalizeState = {};
        const canonical = canonicalJson(normalize(type, value, [...segments], path, undefined, state));
        if (state.opaque) {
            leaves.set(path, { segments: [...segments], kind: "opaque", why: state.opaque, value });
        } else if (state.unknown) {
            leaves.set(path, { segments: [...segments], kind: "unknown", value });
        } else {
            leaves.set(path, { segments: [...segments], kind, fingerprint: fingerprints.ofCanonical(urn, path, canonical), value });
        }
    };

    const visit = (value: unknown, path: string): void => {
        if (value instanceof SecretValue) {
            whole(path, value.value, "secret");
        } else if (value instanceof Opaque) {
            leaves.set(path, { segments: [...segments], kind: "opaque", why: value.why, value });
        } else if (isUnknown(value)) {
            leaves.set(path, { segments: [...segments], kind: "unknown", value });
        } else if (value === null || typeof value !== "object" || (path !== "" && atomic(path))) {
            whole(path, value, "value");
        } else if (assetKind(value)) {
            leaves.set(path, { segments: [...segments], kind: "opaque", why: assetKind(value), value });
        } else if (Array.isArray(value)) {
            if (value.length === 0) {
                whole(path, value, "value");
            }
            value.forEach((element, i) => {
                segments.push(i);
                visit(element, appendIndex(path, i));
                segments.pop();
            });
        } else {
            const keys = Object.keys(value).filter((key) => {
                const member = (value as Props)[key];
                return member !== null && member !== undefined && !isBookkeeping(type, key, segments);
            });
            if (keys.length === 0 && path !== "") {
                whole(path, {}, "value");
            }
            for (const key of keys) {
                segments.push(key);
                visit((value as Props)[key], appendKey(path, key));
                segments.pop();
            }
        }
    };

    visit(inputs, "");
    return leaves;
}

/** The lock entry of one resource, from its inputs as decoded from the export. */
export function lockEntry(resource: Scope & { name: string }, inputs: Props, fingerprints: Fingerprinter): LockEntry {
    const { type } = resource;
    const properties: Record<string, string> = {};
    const secrets: string[] = [];
    const unverifiable: Record<string, string> = {};
    for (const [path, leaf] of leavesOf(resource, inputs, fingerprints)) {
        if (leaf.kind === "opaque") {
            unverifiable[path] = leaf.why ?? "it cannot be compared";
        } else if (leaf.kind === "unknown") {
            unverifiable[path] = "the stack state holds it as unknown (an interrupted update)";
        } else {
            properties[path] = leaf.fingerprint as string;
            if (leaf.kind === "secret") {
                secrets.push(path);
            }
        }
    }
    const entry: LockEntry = {
        type,
        digest: digestOf(resource, inputs, fingerprints, new Set(Object.keys(unverifiable))),
        properties: sortedRecord(properties),
    };
    if (secrets.length > 0) {
        entry.secrets = secrets.sort();
    }
    if (Object.keys(unverifiable).length > 0) {
        entry.unverifiable = sortedRecord(unverifiable);
    }
    const autonamed = autonamedPaths(type, resource.name, inputs).filter((path) => path in properties);
    if (autonamed.length > 0) {
        entry.autonamed = autonamed;
    }
    return entry;
}

export function sortedRecord<T>(record: Record<string, T>): Record<string, T> {
    const out: Record<string, T> = {};
    for (const key of Object.keys(record).sort()) {
        out[key] = record[key];
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// URNs: urn:pulumi:<stack>::<project>::<qualified type>::<name>

export function urnParts(urn: string): { stack: string; project: string; type: string; name: string } | undefined {
    if (!urn.startsWith("urn:pulumi:")) {
        return undefined;
    }
    const parts = urn.slice("urn:pulumi:".length).split("::");
    if (parts.length < 4) {
        return undefined;
    }
    // The qualified type lists the parent types before the resource's own, separated by `$`.
    const type = parts[2].slice(parts[2].lastIndexOf("$") + 1);
    return { stack: parts[0], project: parts[1], type, name: parts.slice(3).join("::") };
}

// ---------------------------------------------------------------------------------------------
// Reading a lock, once per distinct config value.

/** A lock checked and ready for lookups by URN. */
export interface ParsedLock {
    lock: Lock;
    fingerprints: Fingerprinter;
    entries: ReadonlyMap<string, LockEntry>;
}

const parsedLocks = new WeakMap<object, ParsedLock>();

function fail(where: string, problem: string): never {
    throw new ConfigError(`${where} ${problem}`);
}

function checkEntry(where: string, entry: unknown): LockEntry {
    if (!isJsonObject(entry)) {
        fail(where, "must be an object");
    }
    if (typeof entry.type !== "string" || entry.type === "") {
        fail(`${where}.type`, "must be a type token");
    }
    if (!isFingerprint(entry.digest)) {
        fail(`${where}.digest`, "must be a fingerprint");
    }
    if (!isJsonObject(entry.properties)) {
        fail(`${where}.properties`, "must be an object of fingerprints by property path");
    }
    for (const [path, fingerprint] of Object.entries(entry.properties)) {
        if (!isFingerprint(fingerprint)) {
            fail(`${where}.properties[${JSON.stringify(path)}]`, "must be a fingerprint");
        }
    }
    for (const key of ["secrets", "autonamed"] as const) {
        const list = entry[key];
        if (list !== undefined && (!Array.isArray(list) || list.some((p) => typeof p !== "string"))) {
            fail(`${where}.${key}`, "must be a list of property paths");
        }
    }
    if (entry.unverifiable !== undefined &&
        (!isJsonObject(entry.unverifiable) || Object.values(entry.unverifiable).some((why) => typeof why !== "string"))) {
        fail(`${where}.unverifiable`, "must be an object of reasons by property path");
    }
    return entry as unknown as LockEntry;
}

/** Checks a lock value (as found in config) and indexes it by URN; throws ConfigError naming the bad key. */
export function readLock(raw: unknown, where = "lock"): ParsedLock {
    if (!isJsonObject(raw)) {
        fail(where, "must be an object written by `immutable-guard lock`");
    }
    const cached = parsedLocks.get(raw);
    if (cached) {
        return cached;
    }
    if (raw.version !== LOCK_VERSION) {
        fail(`${where}.version`, `must be ${LOCK_VERSION} (found ${JSON.stringify(raw.version)}); regenerate the lock with this version of immutable-guard`);
    }
    if (raw.algorithm !== FINGERPRINT_ALGORITHM) {
        fail(`${where}.algorithm`, `must be "${FINGERPRINT_ALGORITHM}"`);
    }
    if (!isSalt(raw.salt)) {
        fail(`${where}.salt`, "must be the 43-character salt written by `immutable-guard lock`");
    }
    for (const key of ["stack", "project"] as const) {
        if (typeof raw[key] !== "string" || raw[key] === "") {
            fail(`${where}.${key}`, "must name the stack the lock was made from");
        }
    }
    if (!["shown", "encrypted", "none"].includes(raw.secrets as string)) {
        fail(`${where}.secrets`, 'must be "shown", "encrypted" or "none"');
    }
    if (raw.settings !== undefined) {
        readLockedSettings(raw.settings, `${where}.settings`);
    }
    if (!isJsonObject(raw.resources)) {
        fail(`${where}.resources`, "must be an object of entries by URN");
    }
    const entries = new Map<string, LockEntry>();
    for (const [urn, entry] of Object.entries(raw.resources)) {
        if (!urnParts(urn)) {
            fail(`${where}.resources`, `has a key that is not a URN: ${JSON.stringify(urn.slice(0, 120))}`);
        }
        entries.set(urn, checkEntry(`${where}.resources[${JSON.stringify(urn)}]`, entry));
    }
    const lock = raw as unknown as Lock;
    const parsed: ParsedLock = { lock, fingerprints: new Fingerprinter(lock.salt), entries };
    parsedLocks.set(raw, parsed);
    return parsed;
}

/** The lock inside a JSON document: a policy-pack config holding one, or a bare lock. */
export function lockIn(document: unknown): unknown {
    if (isJsonObject(document)) {
        const policy = document[FLAG_RULES_POLICY];
        if (isJsonObject(policy) && policy.lock !== undefined) {
            return policy.lock;
        }
        if (document.resources !== undefined && document.salt !== undefined) {
            return document;
        }
    }
    return undefined;
}

const lockFiles = new Map<string, { stamp: string; parsed: ParsedLock }>();

/** Reads a lock from a file (a policy-pack config or a bare lock), again only when the file changed. */
export function readLockFile(file: string): ParsedLock {
    const where = "lockFile";
    let stat: fs.Stats;
    try {
        stat = fs.statSync(file);
    } catch {
        fail(where, `names ${JSON.stringify(file)}, which cannot be read`);
    }
    const stamp = `${stat.mtimeMs}:${stat.size}`;
    const cached = lockFiles.get(file);
    if (cached?.stamp === stamp) {
        return cached.parsed;
    }
    let document: unknown;
    try {
        document = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch {
        fail(where, `names ${JSON.stringify(file)}, which is not valid JSON`);
    }
    const raw = lockIn(document);
    if (raw === undefined) {
        fail(where, `names ${JSON.stringify(file)}, which holds no lock (expected the output of \`immutable-guard lock\`)`);
    }
    const parsed = readLock(raw, `${where} ${JSON.stringify(file)}: lock`);
    lockFiles.set(file, { stamp, parsed });
    return parsed;
}

/** The lock a policy config names: its inline `lock`, else its `lockFile` (relative to the pack's directory). */
export function lockOfConfig(raw: Props): ParsedLock | undefined {
    if (raw.lock !== undefined) {
        return readLock(raw.lock);
    }
    if (raw.lockFile !== undefined) {
        if (typeof raw.lockFile !== "string" || raw.lockFile === "") {
            throw new ConfigError("lockFile must be a path");
        }
        // The Pulumi CLI starts a policy pack in the pack's directory.
        return readLockFile(path.resolve(process.cwd(), raw.lockFile));
    }
    return undefined;
}
