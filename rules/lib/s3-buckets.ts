import { describeValue, forceDestroyFindings, quote, unknownAtPreview } from "./findings";
import { isJsonObject } from "./json-property";
import type { Finding, Props } from "./policy";
import { belowMinimum, DAYS_PER_YEAR, RETENTION_MODES, suggestedMode, type RetentionConfig } from "./retention";
import { isUnknown } from "./unknowns";

export type S3Kind = "bucket" | "lock" | "versioning";

/**
 * Every token under which a program declares an S3 bucket, its object lock or its versioning, with
 * @pulumi/aws v6 or v7. Policies match tokens, never aliases: `aws:s3/bucket:Bucket` is the legacy
 * bucket in v6 (inline `objectLockConfiguration.rule.defaultRetention`, `versioning`) and the former
 * BucketV2 in v7 (top-level `objectLockEnabled`), so both shapes are read under it.
 */
const S3_TYPES: ReadonlyMap<string, S3Kind> = new Map<string, S3Kind>([
    ["aws:s3/bucket:Bucket", "bucket"],
    // v6, deprecated in v7; its inline blocks are lists: `objectLockConfiguration.rules[].defaultRetentions[]`, `versionings[]`.
    ["aws:s3/bucketV2:BucketV2", "bucket"],
    ["aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "lock"], // v7 only
    ["aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2", "lock"],
    ["aws:s3/bucketVersioning:BucketVersioning", "versioning"], // v7 only
    ["aws:s3/bucketVersioningV2:BucketVersioningV2", "versioning"],
]);

export function s3KindOf(type: string): S3Kind | undefined {
    return S3_TYPES.get(type);
}

/**
 * The @pulumi/aws classes a fix names beside a bucket. A BucketV2 program (v6) has only the …V2
 * lock and versioning classes; a Bucket may be v6's legacy bucket, which sets its lock inline.
 */
export function companionClasses(bucketType: string): { lock: string; versioning: string; mayBeLegacy: boolean } {
    const suffix = bucketType === "aws:s3/bucketV2:BucketV2" ? "V2" : "";
    return {
        lock: `aws.s3.BucketObjectLockConfiguration${suffix}`,
        versioning: `aws.s3.BucketVersioning${suffix}`,
        mayBeLegacy: bucketType === "aws:s3/bucket:Bucket",
    };
}

/** The input by which lock and versioning resources name their bucket. */
export const BUCKET_REFERENCE = "bucket";
/** Where a bucket's name is: its `bucket` input (auto-named when omitted) and, among outputs, its `id`. */
export const BUCKET_NAMES = ["bucket", "id"] as const;

/** The value at a property path: undefined when absent, or an unknown sentinel at preview. */
export interface Slot {
    path: string;
    value: unknown;
}

function isSet(value: unknown): boolean {
    return value !== undefined && value !== null;
}

// An unknown parent stands for all of its children, so it is reported once, at its own path.
function field(slot: Slot, key: string): Slot {
    if (isUnknown(slot.value)) {
        return slot;
    }
    return { path: slot.path ? `${slot.path}.${key}` : key, value: isJsonObject(slot.value) ? slot.value[key] : undefined };
}

function entries(slot: Slot): Slot[] {
    if (isUnknown(slot.value)) {
        return [slot];
    }
    return Array.isArray(slot.value) ? slot.value.map((value, i) => ({ path: `${slot.path}[${i}]`, value })) : [];
}

const root = (props: Props): Slot => ({ path: "", value: props });

/** Whether the bucket is created with object lock on: `true`, `false`, or the unknown slot that decides it. */
export function lockEnabledAtCreation(props: Props): true | false | Slot {
    const topLevel = field(root(props), "objectLockEnabled");
    const inline = field(field(root(props), "objectLockConfiguration"), "objectLockEnabled");
    if (topLevel.value === true || inline.value === "Enabled") {
        return true;
    }
    const unknown = [topLevel, inline].find((s) => isUnknown(s.value));
    return unknown ?? false;
}

/**
 * The default retention blocks a bucket declares inline, one per rule, in either shape:
 * `objectLockConfiguration.rule.defaultRetention` (Bucket) or `…rules[i].defaultRetentions[j]` (BucketV2).
 * A rule without a retention block yields an absent slot, which the check reports.
 */
export function inlineRetentions(props: Props): Slot[] {
    const config = field(root(props), "objectLockConfiguration");
    if (isUnknown(config.value)) {
        return [config];
    }
    const slots: Slot[] = [];
    const rule = field(config, "rule");
    if (isSet(rule.value)) {
        slots.push(field(rule, "defaultRetention"));
    }
    for (const r of entries(field(config, "rules"))) {
        const retentions = entries(field(r, "defaultRetentions"));
        slots.push(...(retentions.length > 0 ? retentions : [{ path: `${r.path}.defaultRetentions`, value: undefined }]));
    }
    return slots;
}

/** The default retention block of a lock configuration resource. */
export function lockResourceRetention(props: Props): Slot {
    return field(field(root(props), "rule"), "defaultRetention");
}

/** The inline versioning switches of a bucket: `versioning.enabled` (Bucket) and `versionings[i].enabled` (BucketV2). */
export function inlineVersioning(props: Props): Slot[] {
    const versioning = field(root(props), "versioning");
    const slots = isSet(versioning.value) ? [field(versioning, "enabled")] : [];
    for (const v of entries(field(root(props), "versionings"))) {
        slots.push(field(v, "enabled"));
    }
    return slots;
}

// ---------------------------------------------------------------------------------------------
// What one resource shows on its own that is definitely wrong, whatever else is in the stack.

/** A default retention the pack accepts, as the fixes in messages write it. */
export function retentionExample(config: RetentionConfig): string {
    return `{ mode: "${suggestedMode(config)}", days: ${config.minRetentionDays} }`;
}

/** Days or years as given: 0 counts as unset, as the provider omits a zero period when it calls AWS. */
function isPeriodSet(slot: Slot): boolean {
    return isSet(slot.value) && slot.value !== 0;
}

function* checkMode(slot: Slot, config: RetentionConfig): Iterable<Finding> {
    const mode = slot.value;
    if (isUnknown(mode)) {
        yield unknownAtPreview(slot.path);
    } else if (mode === undefined || mode === null || mode === "") {
        yield { path: slot.path, message: `is not set; a default retention needs a mode: set \`mode: "${suggestedMode(config)}"\`.` };
    } else if (typeof mode !== "string" || !(RETENTION_MODES as readonly string[]).includes(mode)) {
        const found = typeof mode === "string" ? quote(mode) : describeValue(mode);
        yield { path: slot.path, message: `is ${found}, which is not an object lock mode; use "GOVERNANCE" or "COMPLIANCE".` };
    } else if (!(config.allowedModes as readonly string[]).includes(mode)) {
        yield {
            path: slot.path,
            message: `is "${mode}", which this pack does not allow (allowedModes: ${config.allowedModes.join(", ")}); ` +
                `set \`mode: "${config.allowedModes[0]}"\`.`,
        };
    }
}

function* checkPeriod(slot: Slot, config: RetentionConfig): Iterable<Finding> {
    const days = field(slot, "days");
    const years = field(slot, "years");
    const unknown = [days, years].filter((s) => isUnknown(s.value));
    if (unknown.length > 0) {
        yield* unknown.map((s) => unknownAtPreview(s.path));
        return;
    }
    if (isPeriodSet(days) && isPeriodSet(years)) {
        yield { path: slot.path, message: `sets both days (${String(days.value)}) and years (${String(years.value)}); AWS accepts exactly one of them: keep one.` };
        return;
    }
    if (!isPeriodSet(days) && !isPeriodSet(years)) {
        const zero = [days, years].find((s) => s.value === 0);
        yield zero
            ? {
                path: zero.path,
                message: `is 0, which the provider leaves out of its call to AWS, so the rule has no retention period; ` +
                    `set \`days: ${config.minRetentionDays}\` or more.`,
            }
            : { path: slot.path, message: `sets no retention period (neither days nor years); add \`days: ${config.minRetentionDays}\`.` };
        return;
    }
    const [period, unit] = isPeriodSet(days) ? [days, "days"] : [years, "years"];
    const value = period.value;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
        const found = typeof value === "number" ? String(value) : describeValue(value);
        yield { path: period.path, message: `is ${found}; the retention period must be a positive whole number of ${unit}.` };
        return;
    }
    const inDays = unit === "days" ? value : value * DAYS_PER_YEAR;
    if (inDays < config.minRetentionDays) {
        const fix = unit === "days" ? `days: ${config.minRetentionDays}` : `years: ${Math.ceil(config.minRetentionDays / DAYS_PER_YEAR)}`;
        yield { path: period.path, message: belowMinimum(`${value}${unit === "years" ? ` (${inDays} days)` : ""}`, config, fix) };
    }
}

/** Checks one default retention block: a mode that is allowed and exactly one period, long enough. */
function* checkRetention(slot: Slot, config: RetentionConfig): Iterable<Finding> {
    if (isUnknown(slot.value)) {
        yield unknownAtPreview(slot.path);
    } else if (!isSet(slot.value)) {
        yield { path: slot.path, message: `is not set, so the rule gives new objects no retention; set it to \`${retentionExample(config)}\`.` };
    } else if (!isJsonObject(slot.value)) {
        yield { path: slot.path, message: `is ${describeValue(slot.value)}, not a retention block; set it to \`${retentionExample(config)}\`.` };
    } else {
        yield* checkMode(field(slot, "mode"), config);
        yield* checkPeriod(slot, config);
    }
}

function* bucketSettings(props: Props, config: RetentionConfig): Iterable<Finding> {
    yield* forceDestroyFindings(props.forceDestroy, "every object version, bypassing governance-mode retention, so one deployment can empty a write-once store");
    const lockConfig = field(root(props), "objectLockConfiguration");
    if (isUnknown(lockConfig.value)) {
        yield unknownAtPreview(lockConfig.path);
    } else {
        const inlineEnabled = field(lockConfig, "objectLockEnabled");
        if (isUnknown(inlineEnabled.value)) {
            yield unknownAtPreview(inlineEnabled.path);
        } else if (isSet(inlineEnabled.value) && inlineEnabled.value !== "Enabled") {
            const found = typeof inlineEnabled.value === "string" ? quote(inlineEnabled.value) : describeValue(inlineEnabled.value);
            yield { path: inlineEnabled.path, message: `is ${found}; the only value AWS accepts is "Enabled" (or use \`objectLockEnabled: true\` on the bucket).` };
        }
        for (const retention of inlineRetentions(props)) {
            yield* checkRetention(retention, config);
        }
    }
    for (const enabled of inlineVersioning(props)) {
        if (isUnknown(enabled.value)) {
            yield unknownAtPreview(enabled.path);
        } else if (enabled.value === false) {
            yield {
                path: enabled.path,
                message: "is false, which leaves versioning off or suspends it; object lock needs versioning Enabled: set it to true " +
                    "(a bucket created with `objectLockEnabled: true` gets versioning from AWS).",
            };
        }
    }
}

function* lockSettings(props: Props, config: RetentionConfig): Iterable<Finding> {
    const enabled = props.objectLockEnabled;
    if (isUnknown(enabled)) {
        yield unknownAtPreview("objectLockEnabled");
    } else if (isSet(enabled) && enabled !== "Enabled") {
        const found = typeof enabled === "string" ? quote(enabled) : describeValue(enabled);
        yield { path: "objectLockEnabled", message: `is ${found}; the only value AWS accepts is "Enabled", which is also the default: remove it or set \`objectLockEnabled: "Enabled"\`.` };
    }
    if (isSet(props.rule)) {
        yield* checkRetention(lockResourceRetention(props), config);
    }
}

function* versioningSettings(props: Props): Iterable<Finding> {
    const status = field(field(root(props), "versioningConfiguration"), "status");
    if (isUnknown(status.value)) {
        yield unknownAtPreview(status.path);
    } else if (status.value === "Suspended" || status.value === "Disabled") {
        yield {
            path: status.path,
            message: `is "${status.value}", so new objects are not versioned and object lock cannot hold them ` +
                "(AWS also refuses to suspend versioning on a bucket with object lock); set `versioningConfiguration: { status: \"Enabled\" }`.",
        };
    } else if (status.value !== "Enabled") {
        const found = typeof status.value === "string" ? quote(status.value) : describeValue(status.value);
        yield { path: status.path, message: `is ${found}, not a versioning status; set \`versioningConfiguration: { status: "Enabled" }\`.` };
    }
}

/** What a bucket, lock configuration or versioning resource shows on its own that breaks write-once storage. */
export function settingsFindings(kind: S3Kind, props: Props, config: RetentionConfig): Iterable<Finding> {
    switch (kind) {
        case "bucket":
            return bucketSettings(props, config);
        case "lock":
            return lockSettings(props, config);
        case "versioning":
            return versioningSettings(props);
    }
}
