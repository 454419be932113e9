import picomatch = require("picomatch");
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { exactGuard, globCovers, requiredListGuard, type Guard } from "./locked-settings";
import { ConfigError, type Props } from "./policy";
import { isUnknown } from "./unknowns";

/**
 * Which resources are flagged immutable. The rules live in the `immutable-no-in-place-update`
 * policy's config and every policy that acts on flagged resources reads the same rules, so a
 * team states once what is immutable.
 */
export interface FlagRules {
    /** Tag (AWS `tags`) or label (Kubernetes `metadata.labels`) key that flags a resource. */
    tagKey: string;
    /** Value that key must have. */
    tagValue: string;
    /** Type tokens flagged whatever their tags. */
    types: string[];
    /** URN globs flagged whatever their tags; `*` matches any characters. */
    urns: string[];
}

export const DEFAULT_FLAG_RULES: FlagRules = Object.freeze({ tagKey: "immutable", tagValue: "true", types: [], urns: [] });

/** The config keys that define flagging, part of the `immutable-no-in-place-update` schema. */
export const flagRulesSchema: Record<string, PolicyConfigJSONSchema> = {
    tagKey: { type: "string", minLength: 1, description: "Tag or label key that flags a resource immutable (default `immutable`)." },
    tagValue: { type: "string", description: "Value of that tag or label that flags a resource (default `\"true\"`)." },
    types: { type: "array", items: { type: "string", minLength: 1 }, description: "Type tokens that are always flagged, e.g. `aws:rds/instance:Instance`." },
    urns: { type: "array", items: { type: "string", minLength: 1 }, description: "URN globs that are always flagged; `*` matches any characters." },
};

/** The flag rules the lock holds: another tag, or a type or URN glob dropped, unflags what the lock's rules flagged. */
export const flagRuleGuards: Record<string, Guard> = {
    tagKey: exactGuard("tagKey", DEFAULT_FLAG_RULES.tagKey, (key) => `resources tagged or labelled "${key}" are no longer flagged`),
    tagValue: exactGuard("tagValue", DEFAULT_FLAG_RULES.tagValue, (value) => `resources whose flag tag or label is "${value}" are no longer flagged`),
    types: requiredListGuard("types", "flags the type"),
    urns: requiredListGuard("urns", "flags the URNs matching", { covers: (general, specific) => globCovers(general, specific) }),
};

export function readFlagRules(raw: Props): FlagRules {
    const strings = (key: "types" | "urns"): string[] => {
        const value = raw[key] ?? [];
        if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v === "")) {
            throw new ConfigError(`${key} must be a list of non-empty strings`);
        }
        return value as string[];
    };
    const text = (key: "tagKey" | "tagValue", fallback: string): string => {
        const value = raw[key] ?? fallback;
        if (typeof value !== "string" || (key === "tagKey" && value === "")) {
            throw new ConfigError(`${key} must be a ${key === "tagKey" ? "non-empty " : ""}string`);
        }
        return value;
    };
    return { tagKey: text("tagKey", DEFAULT_FLAG_RULES.tagKey), tagValue: text("tagValue", DEFAULT_FLAG_RULES.tagValue), types: strings("types"), urns: strings("urns") };
}

// ---------------------------------------------------------------------------------------------
// The pack-wide rules in force, set at Configure from the `immutable-no-in-place-update` config.

export const FLAG_RULES_POLICY = "immutable-no-in-place-update";

let packFlagRules: FlagRules = DEFAULT_FLAG_RULES;
let packFlagRulesProblem: string | undefined;
let packFlagPolicyConfig: Props = {};

export function setPackFlagRules(raw: Props | undefined): void {
    packFlagPolicyConfig = raw ?? {};
    try {
        packFlagRules = readFlagRules(raw ?? {});
        packFlagRulesProblem = undefined;
    } catch (e) {
        packFlagRules = DEFAULT_FLAG_RULES;
        packFlagRulesProblem = e instanceof Error ? e.message : String(e);
    }
}

/**
 * The whole `immutable-no-in-place-update` config set at Configure. The engine gives each policy only
 * its own config, so the policies that share these keys (the `-stack` half reads the lock) read them here.
 */
export function flagPolicyConfig(): Props {
    return packFlagPolicyConfig;
}

/** The flag rules in force; throws ConfigError when the configured ones are unusable (fail closed). */
export function currentFlagRules(): FlagRules {
    if (packFlagRulesProblem) {
        throw new ConfigError(`the ${FLAG_RULES_POLICY} flag settings are invalid: ${packFlagRulesProblem}`);
    }
    return packFlagRules;
}

// ---------------------------------------------------------------------------------------------

export type FlagVerdict =
    | { flagged: true; why: string }
    | { flagged: false }
    /** The tags or labels are unknown at preview, so whether the resource is flagged is not known yet. */
    | { flagged: "unknown"; path: string };

const globCache = new Map<string, (urn: string) => boolean>();

function urnGlob(glob: string): (urn: string) => boolean {
    let matcher = globCache.get(glob);
    if (!matcher) {
        matcher = picomatch(glob, { bash: true, dot: true });
        globCache.set(glob, matcher);
    }
    return matcher;
}

/** Where a resource keeps its tags or labels: Kubernetes objects under metadata, AWS at the top. */
function tagsOf(type: string, props: Props): { path: string; value: unknown } {
    if (type.startsWith("kubernetes:")) {
        const metadata = props.metadata;
        if (isUnknown(metadata)) {
            return { path: "metadata", value: metadata };
        }
        const labels = metadata !== null && typeof metadata === "object" ? (metadata as Props).labels : undefined;
        return { path: "metadata.labels", value: labels };
    }
    return { path: "tags", value: props.tags };
}

/** Reads a tag from a map (`{k: v}`) or a list of `{key, value}` (as Auto Scaling groups write tags). */
function tagValue(tags: unknown, key: string): unknown {
    if (Array.isArray(tags)) {
        const entry = tags.find((t) => t !== null && typeof t === "object" && (t as Props).key === key) as Props | undefined;
        return entry?.value;
    }
    if (tags !== null && typeof tags === "object" && Object.prototype.hasOwnProperty.call(tags, key)) {
        return (tags as Props)[key];
    }
    return undefined;
}

export function flagOf(resource: { type: string; urn: string; props: Props }, rules: FlagRules): FlagVerdict {
    if (rules.types.includes(resource.type)) {
        return { flagged: true, why: `its type ${resource.type} is listed in types` };
    }
    const glob = rules.urns.find((g) => urnGlob(g)(resource.urn));
    if (glob) {
        return { flagged: true, why: `its URN matches "${glob}" in urns` };
    }
    const tags = tagsOf(resource.type, resource.props);
    if (isUnknown(tags.value)) {
        return { flagged: "unknown", path: tags.path };
    }
    const value = tagValue(tags.value, rules.tagKey);
    if (isUnknown(value)) {
        return { flagged: "unknown", path: `${tags.path}.${rules.tagKey}` };
    }
    if (value === rules.tagValue) {
        return { flagged: true, why: `${tags.path}.${rules.tagKey} is "${rules.tagValue}"` };
    }
    return { flagged: false };
}
