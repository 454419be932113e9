import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { FLAG_RULES_POLICY, flagOf, flagPolicyConfig, flagRuleGuards, flagRulesSchema, readFlagRules, type FlagRules, type FlagVerdict } from "./lib/flagging";
import { digestOf, ENCRYPTED_SECRET, leavesOf, LOCK_COMMAND, lockOfConfig, urnParts, type LockEntry, type ParsedLock } from "./lib/lock";
import {
    ConfigError,
    defineResourcePolicy,
    defineStackPolicy,
    type Finding,
    type Props,
    type ResourceView,
    type StackFinding,
} from "./lib/policy";
import { allowedListGuard, rankedGuard } from "./lib/locked-settings";
import { isAtOrBelow, parsePath, type Segment } from "./lib/property-path";
import { isBookkeepingPath, isRegeneratedAutoname } from "./lib/provider-bookkeeping";

/**
 * The analyzer protocol gives a policy a resource's new inputs, never its old state or the planned
 * operation. So the new inputs of each flagged resource are compared with the lock, a reviewed baseline
 * made from `pulumi stack export`: changing an immutable resource in place becomes a change to the lock
 * in version control, never a silent patch. The `-stack` half reports locked resources that are gone.
 */

export interface IgnoredProperty {
    pattern: Segment[];
    reason: string;
}

interface LockConfig {
    flags: FlagRules;
    lock?: ParsedLock;
    /** Properties not compared, by type token. */
    ignore: ReadonlyMap<string, readonly IgnoredProperty[]>;
    missingLockedResources: "advisory" | "mandatory";
}

const REBUILD =
    "Rebuild instead of patching: give the resource a new logical name (the new one is created and the old one " +
    "deleted), or replace it under its name (`replaceOnChanges: [\"*\"]` in its options, or " +
    "`pulumi up --replace <urn>`) under a short exemption for this URN. After the deployment, regenerate the lock " +
    `in a reviewed commit: \`${LOCK_COMMAND}\`.`;

// ---------------------------------------------------------------------------------------------
// Config

const lockSchema: PolicyConfigJSONSchema = {
    type: "object",
    description: "The lock written by `immutable-guard lock`: for each flagged resource, a fingerprint of every input property.",
    required: ["version", "algorithm", "salt", "stack", "project", "secrets", "resources"],
    properties: {
        version: { type: "integer" },
        algorithm: { type: "string" },
        salt: { type: "string" },
        stack: { type: "string" },
        project: { type: "string" },
        secrets: { enum: ["shown", "encrypted", "none"] },
        settings: { type: "object" },
        resources: { type: "object" },
    },
};

const lockConfigSchema: Record<string, PolicyConfigJSONSchema> = {
    ...flagRulesSchema,
    lock: lockSchema,
    lockFile: {
        type: "string",
        minLength: 1,
        description: "Path of a lock file shipped inside the policy pack (relative to the pack's directory); `lock` wins when both are set.",
    },
    ignoreProperties: {
        type: "object",
        description: "Properties not compared with the lock, by type token: a list of `{ path, reason }` (the path and everything beneath it).",
        additionalProperties: {
            type: "array",
            items: {
                type: "object",
                properties: {
                    path: { type: "string", minLength: 1, description: "Property path, e.g. `tags.lastPatched` or `metadata.annotations[\"x\"]`." },
                    reason: { type: "string", minLength: 1, description: "Why changes to it are not changes of the resource." },
                },
                required: ["path", "reason"],
                additionalProperties: false,
            },
        },
    },
    missingLockedResources: {
        enum: ["advisory", "mandatory"],
        description: "Level of the finding for a locked resource missing from the stack (deleted); default `advisory`.",
    },
};

/** Reads `ignoreProperties`: per type token, the property paths not compared, each with its reason. */
export function readIgnoredProperties(raw: unknown): Map<string, IgnoredProperty[]> {
    const ignore = new Map<string, IgnoredProperty[]>();
    if (raw === undefined) {
        return ignore;
    }
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
        throw new ConfigError("ignoreProperties must be an object of `{ path, reason }` lists by type token");
    }
    for (const [type, list] of Object.entries(raw as Props)) {
        if (!Array.isArray(list)) {
            throw new ConfigError(`ignoreProperties["${type}"] must be a list of { path, reason }`);
        }
        ignore.set(type, list.map((item: unknown, i: number) => {
            const entry = item as { path?: unknown; reason?: unknown } | null;
            const where = `ignoreProperties["${type}"][${i}]`;
            const pattern = typeof entry?.path === "string" ? parsePath(entry.path) : undefined;
            if (!pattern) {
                throw new ConfigError(`${where}.path must be a property path such as \`tags.lastPatched\``);
            }
            if (typeof entry?.reason !== "string" || entry.reason.trim() === "") {
                throw new ConfigError(`${where} needs a reason`);
            }
            return { pattern, reason: entry.reason };
        }));
    }
    return ignore;
}

/** Ignored properties as the lock records them, `<type> <path>`: one ignored that the lock did not ignore goes unchecked. */
function ignoredList(raw: unknown): string[] {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
        return [];
    }
    return Object.entries(raw as Props).flatMap(([type, list]) => (Array.isArray(list) ? list : [])
        .map((item: unknown) => (item !== null && typeof item === "object" ? (item as Props).path : undefined))
        .filter((p): p is string => typeof p === "string")
        .map((p) => `${type} ${p}`));
}

function ignoredCovers(general: string, specific: string): boolean {
    const split = (entry: string) => [entry.slice(0, entry.indexOf(" ")), parsePath(entry.slice(entry.indexOf(" ") + 1))] as const;
    const [[typeA, pathA], [typeB, pathB]] = [split(general), split(specific)];
    return general === specific || (typeA === typeB && !!pathA && !!pathB && isAtOrBelow(pathA, pathB));
}

function readLockConfig(raw: Props): LockConfig {
    const missing = raw.missingLockedResources ?? "advisory";
    if (missing !== "advisory" && missing !== "mandatory") {
        throw new ConfigError('missingLockedResources must be "advisory" or "mandatory"');
    }
    return { flags: readFlagRules(raw), lock: lockOfConfig(raw), ignore: readIgnoredProperties(raw.ignoreProperties), missingLockedResources: missing };
}

// ---------------------------------------------------------------------------------------------
// Comparing a resource with its lock entry

function short(fingerprint: string | undefined): string {
    return fingerprint ? fingerprint.slice(0, 10) : "none";
}

function list(paths: readonly string[]): string {
    return paths.map((p) => `\`${p}\``).join(", ");
}

interface Comparison {
    changes: string[];
    mayChange: string[];
    unverifiable: { path: string; why: string }[];
}

const REDACTED_SECRET = "[secret]";

function isIgnored(ignored: readonly IgnoredProperty[], segments: readonly Segment[]): boolean {
    return ignored.some((i) => isAtOrBelow(i.pattern, segments));
}

/** Compares a resource's inputs with the lock entry it is locked under (its URN, or the URN it aliases). */
function compareWithLock(resource: ResourceView, lockedUrn: string, entry: LockEntry, lock: ParsedLock, ignored: readonly IgnoredProperty[]): Comparison {
    const scope = { urn: lockedUrn, type: resource.type };
    const result: Comparison = { changes: [], mayChange: [], unverifiable: [] };
    const unverifiable = entry.unverifiable ?? {};
    const unverifiablePaths = new Set(Object.keys(unverifiable));
    for (const [p, why] of Object.entries(unverifiable)) {
        result.unverifiable.push({ path: p, why });
    }
    if (digestOf(scope, resource.props, lock.fingerprints, unverifiablePaths) === entry.digest) {
        return result;
    }
    const has = (p: string) => Object.prototype.hasOwnProperty.call(entry.properties, p);
    const leaves = leavesOf(scope, resource.props, lock.fingerprints, (p) => has(p) || unverifiablePaths.has(p));
    const unknownRoots: Segment[][] = [];
    for (const [p, leaf] of leaves) {
        if (unverifiablePaths.has(p) || isIgnored(ignored, leaf.segments)) {
            continue;
        }
        const old = has(p) ? entry.properties[p] : undefined;
        if (leaf.kind === "unknown") {
            // Unknown where the lock has nothing is a new property: a change whatever its value.
            if (old === undefined && !hasLockedBelow(entry, p)) {
                result.changes.push(`${p} added (now unknown until \`pulumi up\`)`);
            } else {
                result.mayChange.push(p);
                unknownRoots.push(leaf.segments);
            }
        } else if (leaf.kind === "opaque") {
            if (old === undefined) {
                result.changes.push(`${p} added (${leaf.why})`);
            } else {
                result.unverifiable.push({ path: p, why: `it is now ${leaf.why}` });
            }
        } else if (old === undefined) {
            result.changes.push(`${p} added (now ${short(leaf.fingerprint)})`);
        } else if (old !== leaf.fingerprint) {
            if (entry.autonamed?.includes(p) && isRegeneratedAutoname(resource.type, resource.name, resource.props, leaf.value)) {
                continue;
            }
            if (leaf.value === REDACTED_SECRET && entry.secrets?.includes(p)) {
                // `pulumi policy analyze` sends secrets it cannot decrypt as this string.
                result.unverifiable.push({ path: p, why: "a secret the engine could not decrypt" });
                continue;
            }
            result.changes.push(`${p} changed (lock ${short(old)}, now ${short(leaf.fingerprint)})`);
        }
    }
    for (const p of [...Object.keys(entry.properties), ...unverifiablePaths]) {
        if (leaves.has(p)) {
            continue;
        }
        const segments = parsePath(p) ?? [];
        if (isIgnored(ignored, segments) || isBookkeepingPath(resource.type, segments) || unknownRoots.some((root) => isAtOrBelow(root, segments))) {
            continue;
        }
        result.changes.push(has(p) ? `${p} removed (lock ${short(entry.properties[p])})` : `${p} removed`);
    }
    return result;
}

function hasLockedBelow(entry: LockEntry, p: string): boolean {
    return Object.keys(entry.properties).some((locked) => locked.startsWith(`${p}.`) || locked.startsWith(`${p}[`));
}

// ---------------------------------------------------------------------------------------------
// The resource half

/** Types the engine manages itself: provider configurations and the stack; never locked. */
function isEngineType(type: string): boolean {
    return type.startsWith("pulumi:providers:") || type === "pulumi:pulumi:Stack";
}

function lookup(lock: ParsedLock, resource: ResourceView): { urn: string; entry: LockEntry } | undefined {
    const entry = lock.entries.get(resource.urn);
    if (entry) {
        return { urn: resource.urn, entry };
    }
    // A resource renamed with an alias is the same resource, so its old entry still holds.
    for (const alias of resource.opts.aliases) {
        const aliased = lock.entries.get(alias);
        if (aliased) {
            return { urn: alias, entry: aliased };
        }
    }
    return undefined;
}

function lockedElsewhere(lock: ParsedLock, urn: string): boolean {
    const here = urnParts(urn);
    return !!here && (here.stack !== lock.lock.stack || here.project !== lock.lock.project);
}

function* ignoreChangesFindings(resource: ResourceView, flag: FlagVerdict): Iterable<Finding> {
    if (resource.opts.ignoreChanges.length === 0 || flag.flagged === false) {
        return;
    }
    const why = flag.flagged === true ? `it is flagged immutable (${flag.why})` : `it may be flagged immutable (${flag.path} is not known yet)`;
    yield {
        path: "",
        advisory: flag.flagged === "unknown",
        message: `sets ignoreChanges (${list(resource.opts.ignoreChanges)}) although ${why}. ignoreChanges keeps ` +
            "the old values of those properties whatever the program says, so it hides drift and changes from the lock " +
            "and from review. Remove the ignoreChanges option; when those properties must change, replace the resource.",
    };
}

function* lockFindings(resource: ResourceView, config: LockConfig): Iterable<Finding> {
    const flag = flagOf(resource, config.flags);
    yield* ignoreChangesFindings(resource, flag);
    const lock = config.lock;
    if (!lock) {
        return;
    }
    const found = lookup(lock, resource);
    if (!found) {
        if (flag.flagged === true && lockedElsewhere(lock, resource.urn)) {
            yield {
                path: "",
                advisory: true,
                message: `is flagged immutable, but the lock in the policy config was made for stack ` +
                    `${lock.lock.project}/${lock.lock.stack}, so nothing here is compared with it. ` +
                    "Give each stack its own lock (its own policy config).",
            };
        }
        return;
    }
    const { urn, entry } = found;
    const as = urn === resource.urn ? "" : ` (as ${urn}, which it aliases)`;
    if (flag.flagged === false) {
        yield {
            path: "",
            message: `is in the lock${as} but no longer flagged immutable: removing the flag weakens the guarantee, ` +
                "and weakening is never silent. Restore the flag, or remove the resource from the lock in a reviewed commit " +
                `(regenerate it: \`${LOCK_COMMAND}\`).`,
        };
    }
    const { changes, mayChange, unverifiable } = compareWithLock(resource, urn, entry, lock, config.ignore.get(resource.type) ?? []);
    if (changes.length > 0) {
        yield {
            path: "",
            message: `inputs differ from the lock${as}: ${changes.join("; ")}. This would update an immutable ` +
                `resource in place. ${REBUILD}`,
        };
    }
    if (mayChange.length > 0) {
        yield {
            path: "",
            advisory: true,
            message: `${list(mayChange)} ${mayChange.length === 1 ? "is" : "are"} computed from other resources and not known ` +
                "during preview, so they may differ from the lock; they are compared exactly when `pulumi up` runs.",
        };
    }
    if (unverifiable.length > 0) {
        const encrypted = unverifiable.some((u) => u.why === ENCRYPTED_SECRET);
        yield {
            path: "",
            advisory: true,
            message: `cannot be verified against the lock at ${unverifiable.map((u) => `\`${u.path}\` (${u.why})`).join(", ")}; ` +
                "everything else was compared. " +
                (encrypted ? `For a complete lock, make it from an export that shows secrets: \`${LOCK_COMMAND}\`.` :
                    "`immutable-guard plan-check` on `pulumi preview --json` shows whether they change."),
        };
    }
}

export const immutableNoInPlaceUpdate = defineResourcePolicy<LockConfig>({
    name: FLAG_RULES_POLICY,
    displayName: "Immutable resources are replaced, never updated in place",
    description:
        "A resource flagged immutable (tag or label `immutable: \"true\"`, or listed by type or URN) must keep the inputs " +
        "recorded in the lock (`immutable-guard lock`); changing them would patch it in place. A locked resource may not " +
        "lose its flag, and a flagged resource may not set `ignoreChanges`.",
    severity: "high",
    enforcementLevel: "mandatory",
    tags: ["immutability", "change-control"],
    remediationSteps:
        "Replace instead of patching: give the resource a new logical name, or set `replaceOnChanges: [\"*\"]` / run " +
        "`pulumi up --replace <urn>` under a short exemption, then regenerate the lock from `pulumi stack export " +
        "--show-secrets` with `immutable-guard lock` in a reviewed commit. Add `immutable-guard plan-check` on " +
        "`pulumi preview --json` in CI to fail any remaining `update` of a flagged resource.",
    config: lockConfigSchema,
    readConfig: readLockConfig,
    guards: { ...flagRuleGuards, ignoreProperties: allowedListGuard("ignoreProperties", "ignores", { read: ignoredList, covers: ignoredCovers }) },
    appliesTo: (type) => !isEngineType(type),
    check: lockFindings,
});

// ---------------------------------------------------------------------------------------------
// The stack half

interface StackLockConfig {
    /** This policy's own config; keys it leaves out come from the resource half's config. */
    own: Props;
}

/** The `-stack` half's config: its own keys over the resource half's (a lock of its own replaces that one's). */
function stackHalfConfig(own: Props, resourceHalf: Props): Props {
    const shared = { ...resourceHalf };
    if (own.lock !== undefined || own.lockFile !== undefined) {
        delete shared.lock;
        delete shared.lockFile;
    }
    return { ...shared, ...own };
}

function stackSettings(own: Props): LockConfig {
    return readLockConfig(stackHalfConfig(own, flagPolicyConfig()));
}

function missingResourceView(urn: string, entry: LockEntry): ResourceView {
    return {
        type: entry.type,
        urn,
        name: urnParts(urn)?.name ?? urn,
        props: {},
        opts: { ignoreChanges: [], protect: false, aliases: [] },
        dependencies: [],
        propertyDependencies: {},
    };
}

function* deletedLockedResources(resources: readonly ResourceView[], config: StackLockConfig): Iterable<StackFinding> {
    let settings: LockConfig;
    try {
        settings = stackSettings(config.own);
    } catch (e) {
        const root = resources.find((r) => r.type === "pulumi:pulumi:Stack") ?? resources[0];
        if (root) {
            yield { resource: root, path: "", message: `the ${FLAG_RULES_POLICY} config is invalid (${(e as Error).message}); locked resources cannot be checked.` };
        }
        return;
    }
    const lock = settings.lock;
    if (!lock || resources.length === 0) {
        return;
    }
    if (lockedElsewhere(lock, resources[0].urn)) {
        return;
    }
    const present = new Set<string>();
    for (const r of resources) {
        present.add(r.urn);
        r.opts.aliases.forEach((alias) => present.add(alias));
    }
    for (const [urn, entry] of lock.entries) {
        if (!present.has(urn)) {
            yield {
                resource: missingResourceView(urn, entry),
                path: "",
                advisory: settings.missingLockedResources === "advisory",
                message: "is in the lock but not in the stack: a locked resource is being deleted. If it is replaced by a " +
                    `resource under a new name, that is the rebuild the lock asks for; regenerate the lock after the deployment: \`${LOCK_COMMAND}\`.`,
            };
        }
    }
}

export const immutableNoInPlaceUpdateStack = defineStackPolicy<StackLockConfig>({
    name: `${FLAG_RULES_POLICY}-stack`,
    displayName: "Locked resources are not deleted unnoticed",
    description:
        "Reports each resource in the lock that is missing from the stack, i.e. deleted (advisory unless " +
        "`missingLockedResources` is `mandatory`). Reads the lock of the `immutable-no-in-place-update` config unless its own config has one.",
    severity: "medium",
    enforcementLevel: "mandatory",
    tags: ["immutability", "change-control"],
    remediationSteps:
        "Keep the resource in the program, or, when it was deliberately removed or renamed, regenerate the lock after " +
        "the deployment with `immutable-guard lock` and review the change with `immutable-guard lock diff`.",
    config: lockConfigSchema,
    readConfig: (raw) => {
        readLockConfig(raw);
        return { own: raw };
    },
    guards: { missingLockedResources: rankedGuard("missingLockedResources", { advisory: 0, mandatory: 1 }, "advisory") },
    settingsConfig: (own, pack) => stackHalfConfig(own, pack[FLAG_RULES_POLICY] ?? {}),
    check: deletedLockedResources,
});
