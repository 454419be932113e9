import { createHash } from "crypto";
import { parseExemptions, whyNotInForce } from "./exemptions";
import { canonicalJson } from "./fingerprint";
import { isJsonObject } from "./json-property";
import { ConfigError, type Props } from "./policy";

/**
 * The settings a lock was made under, and how a config in force compares with them. A lock pins the
 * resources of a stack; without its settings, turning a policy advisory or widening an allow-list would
 * undo that guarantee without touching the lock. Each policy declares, beside its config schema, which
 * of its settings can weaken it and in which direction (a `Guard`); the level and the exemptions of every
 * policy are guarded here for all of them.
 */

export type SettingValue = string | number | string[];
/** Per policy name, per setting key, the value the lock records. */
export type LockedSettings = Record<string, Record<string, SettingValue>>;

/** What a change of one setting does: each item names what is allowed more (weaker) or less (stronger). */
export interface Difference {
    weaker: string[];
    stronger: string[];
}

export interface Guard {
    /** The setting's value in a policy's config, its default where absent, as the lock records it. */
    read(raw: Props): SettingValue;
    compare(locked: SettingValue, now: SettingValue): Difference;
}

/** One setting whose value in force differs from the lock's. */
export interface SettingChange extends Difference {
    policy: string;
    key: string;
    locked: SettingValue;
    now: SettingValue;
}

const NO_DIFFERENCE: Difference = { weaker: [], stronger: [] };

function sortedUnique(values: readonly string[]): string[] {
    return [...new Set(values)].sort();
}

function stringsOf(raw: unknown): string[] {
    return Array.isArray(raw) ? raw.filter((v): v is string => typeof v === "string") : [];
}

/** A value of the wrong kind (a hand-edited lock, say) cannot be shown to be no weaker, so it counts as weaker. */
function mismatch(locked: SettingValue, now: SettingValue): Difference | undefined {
    return Array.isArray(locked) !== Array.isArray(now) || (!Array.isArray(now) && typeof locked !== typeof now)
        ? { weaker: ["the lock's value is not of this setting's kind"], stronger: [] }
        : undefined;
}

// ---------------------------------------------------------------------------------------------
// Kinds of setting

/** One of a few values, weakest first; values of equal rank (`mandatory`, `remediate`) are the same strength. */
export function rankedGuard(key: string, ranks: Readonly<Record<string, number>>, fallback: string): Guard {
    return {
        read: (raw) => (typeof raw[key] === "string" ? raw[key] as string : fallback),
        compare: (locked, now) => {
            const wrong = mismatch(locked, now);
            if (wrong || locked === now) {
                return wrong ?? NO_DIFFERENCE;
            }
            // A value the pack does not know counts as the weakest now and as the strongest in the lock.
            const [before, after] = [ranks[locked as string] ?? Infinity, ranks[now as string] ?? -Infinity];
            return after < before ? { weaker: [`"${now}" enforces less than "${locked}"`], stronger: [] }
                : after > before ? { weaker: [], stronger: [`"${now}" enforces more than "${locked}"`] } : NO_DIFFERENCE;
        },
    };
}

/** A number that may only grow: a minimum retention. */
export function minimumGuard(key: string, fallback: number, what: string): Guard {
    return {
        read: (raw) => (typeof raw[key] === "number" ? raw[key] as number : fallback),
        compare: (locked, now) => mismatch(locked, now) ??
            ((now as number) < (locked as number) ? { weaker: [`a shorter ${what}`], stronger: [] }
                : (now as number) > (locked as number) ? { weaker: [], stronger: [`a longer ${what}`] } : NO_DIFFERENCE),
    };
}

/** A value that decides what is covered; any other value stops covering what the lock's did (a tag key). */
export function exactGuard(key: string, fallback: string, lost: (locked: string) => string): Guard {
    return {
        read: (raw) => (typeof raw[key] === "string" ? raw[key] as string : fallback),
        compare: (locked, now) => mismatch(locked, now) ?? (locked === now ? NO_DIFFERENCE : { weaker: [lost(locked as string)], stronger: [] }),
    };
}

/** Whether an entry of a list (`general`) already covers another (`specific`); equality unless the rule says more. */
export type Covers = (general: string, specific: string) => boolean;
const equal: Covers = (a, b) => a === b;

function uncovered(items: readonly string[], by: readonly string[], covers: Covers): string[] {
    return items.filter((item) => !by.some((other) => covers(other, item)));
}

interface ListOptions {
    /** Reads the list from the raw config value; defaults to a list of strings. */
    read?: (raw: unknown) => string[];
    fallback?: readonly string[];
    covers?: Covers;
}

function listReader(key: string, options: ListOptions): (raw: Props) => string[] {
    return (raw) => sortedUnique(raw[key] === undefined ? [...(options.fallback ?? [])] : (options.read ?? stringsOf)(raw[key]));
}

/** A list whose entries each enforce something (flagged types, denied policies): dropping one weakens. */
export function requiredListGuard(key: string, what: string, options: ListOptions = {}): Guard {
    const covers = options.covers ?? equal;
    return {
        read: listReader(key, options),
        compare: (locked, now) => mismatch(locked, now) ?? {
            weaker: uncovered(locked as string[], now as string[], covers).map((item) => `no longer ${what} "${item}"`),
            stronger: uncovered(now as string[], locked as string[], covers).map((item) => `now also ${what} "${item}"`),
        },
    };
}

/** A list whose entries each let something through (modes, allow-lists): adding one weakens. */
export function allowedListGuard(key: string, what: string, options: ListOptions & { emptyAllowsAll?: string } = {}): Guard {
    const covers = options.covers ?? equal;
    return {
        read: listReader(key, options),
        compare: (locked, now) => {
            const wrong = mismatch(locked, now);
            if (wrong) {
                return wrong;
            }
            const [before, after] = [locked as string[], now as string[]];
            if (options.emptyAllowsAll !== undefined && (before.length === 0 || after.length === 0)) {
                return before.length === after.length ? NO_DIFFERENCE
                    : after.length === 0 ? { weaker: [`now allows ${options.emptyAllowsAll}`], stronger: [] }
                        : { weaker: [], stronger: [`now limited to ${after.map((a) => `"${a}"`).join(", ")}`] };
            }
            return {
                weaker: uncovered(after, before, covers).map((item) => `now also ${what} "${item}"`),
                stronger: uncovered(before, after, covers).map((item) => `no longer ${what} "${item}"`),
            };
        },
    };
}

/**
 * Whether every string a glob of `*` wildcards matches is also matched by `general`. A `*` in `specific`
 * read as a plain character can only be matched by a `*` of `general`, which then matches anything in its
 * place; any other glob syntax in `general` is compared as written.
 */
export function globCovers(general: string, specific: string, caseInsensitive = false): boolean {
    const [a, b] = caseInsensitive ? [general.toLowerCase(), specific.toLowerCase()] : [general, specific];
    if (a === b) {
        return true;
    }
    if (/[?[\]{}()!+@\\]/.test(a)) {
        return false;
    }
    const body = a.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
    return new RegExp(`^${body}$`, "s").test(b);
}

// ---------------------------------------------------------------------------------------------
// What every policy has

const LEVEL_RANKS: Record<string, number> = { disabled: 0, advisory: 1, mandatory: 2, remediate: 2 };
export const LEVEL_KEY = "enforcementLevel";
export const EXEMPTIONS_KEY = "exemptions";

const levelGuard = rankedGuard(LEVEL_KEY, LEVEL_RANKS, "mandatory");
const exemptionsGuard = allowedListGuard(EXEMPTIONS_KEY, "exempts");

/** The digest of one exemption as written: `sha256:` and the hex SHA-256 of its canonical JSON. */
export function exemptionDigest(exemption: { urn: string; reason: string; expires: string }): string {
    const { urn, reason, expires } = exemption;
    return `sha256:${createHash("sha256").update(canonicalJson({ urn, reason, expires })).digest("hex")}`;
}

/** What the settings of a policy are read from, as the pack's policies describe themselves. */
export interface GuardedPolicy {
    name: string;
    enforcementLevel?: string;
    rule?: {
        guards?: Readonly<Record<string, Guard>>;
        /** The config the guarded settings are read from, when the policy also reads another policy's. */
        settingsConfig?: (own: Props, pack: Readonly<Record<string, Props>>) => Props;
    };
}

export interface RecordOptions {
    /** Leave out exemptions that do not apply today (expired, no reason): they weaken nothing. */
    exemptionsInForceOnly?: boolean;
}

/**
 * Every guarded setting of every policy, defaults where the config is silent. `levelOf` gives the level
 * each policy runs at, as the Pulumi CLI reconciles it (`all`, then the policy's own entry, then its default).
 */
export function recordSettings(
    policies: readonly GuardedPolicy[],
    config: Readonly<Record<string, Props>>,
    levelOf: (policy: GuardedPolicy) => string,
    options: RecordOptions = {},
): LockedSettings {
    const settings: LockedSettings = {};
    for (const policy of [...policies].sort((a, b) => a.name.localeCompare(b.name))) {
        const own = config[policy.name] ?? {};
        const raw = policy.rule?.settingsConfig?.(own, config) ?? own;
        const recorded: Record<string, SettingValue> = { [LEVEL_KEY]: levelGuard.read({ [LEVEL_KEY]: levelOf(policy) }) };
        for (const [key, guard] of Object.entries(policy.rule?.guards ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
            recorded[key] = guard.read(raw);
        }
        const exemptions = parseExemptions(own.exemptions).exemptions
            .filter((e) => !options.exemptionsInForceOnly || whyNotInForce(e) === undefined);
        recorded[EXEMPTIONS_KEY] = sortedUnique(exemptions.map(exemptionDigest));
        settings[policy.name] = recorded;
    }
    return settings;
}

function guardOf(policies: readonly GuardedPolicy[], policy: string, key: string): Guard | undefined {
    if (key === LEVEL_KEY) {
        return levelGuard;
    }
    if (key === EXEMPTIONS_KEY) {
        return exemptionsGuard;
    }
    return policies.find((p) => p.name === policy)?.rule?.guards?.[key];
}

/**
 * How the settings in force differ from the lock's. Only settings both record are compared: a policy or
 * setting this version of the pack does not have cannot be configured, and a new one has no locked value.
 */
export function compareSettings(policies: readonly GuardedPolicy[], locked: LockedSettings, now: LockedSettings): SettingChange[] {
    const changes: SettingChange[] = [];
    for (const policy of Object.keys(locked).sort()) {
        for (const key of Object.keys(locked[policy]).sort()) {
            const guard = guardOf(policies, policy, key);
            const [before, after] = [locked[policy][key], now[policy]?.[key]];
            if (!guard || after === undefined) {
                continue;
            }
            const difference = guard.compare(before, after);
            if (difference.weaker.length > 0 || difference.stronger.length > 0) {
                changes.push({ policy, key, locked: before, now: after, ...difference });
            }
        }
    }
    return changes;
}

/** A setting value as messages show it, cut short when long. */
export function showSetting(value: SettingValue): string {
    const text = JSON.stringify(value);
    return text.length > 160 ? `${text.slice(0, 159)}…` : text;
}

// ---------------------------------------------------------------------------------------------
// Reading the settings of a lock

function isSettingValue(value: unknown): value is SettingValue {
    return typeof value === "string" || (typeof value === "number" && Number.isFinite(value)) ||
        (Array.isArray(value) && value.every((v) => typeof v === "string"));
}

/** Checks the `settings` of a lock; throws ConfigError naming the bad key. */
export function readLockedSettings(raw: unknown, where: string): LockedSettings {
    if (!isJsonObject(raw)) {
        throw new ConfigError(`${where} must be an object of settings by policy name`);
    }
    for (const [policy, settings] of Object.entries(raw)) {
        if (!isJsonObject(settings)) {
            throw new ConfigError(`${where}[${JSON.stringify(policy)}] must be an object of settings`);
        }
        for (const [key, value] of Object.entries(settings)) {
            if (!isSettingValue(value)) {
                throw new ConfigError(`${where}[${JSON.stringify(policy)}].${key} must be a string, a number or a list of strings`);
            }
        }
    }
    return raw as LockedSettings;
}
