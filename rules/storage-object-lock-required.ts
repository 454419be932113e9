import { link, type Links } from "./lib/correlation";
import { names, unknownAtPreview, variableName } from "./lib/findings";
import { onlyIfFlagged } from "./lib/flag-scope";
import {
    ConfigError,
    defineResourcePolicy,
    defineStackPolicy,
    type Finding,
    type Props,
    type ResourceView,
    type StackFinding,
    type StackRule,
} from "./lib/policy";
import { rankedGuard } from "./lib/locked-settings";
import { readRetentionConfig, retentionConfigSchema, retentionGuards, type RetentionConfig } from "./lib/retention";
import {
    BUCKET_NAMES,
    BUCKET_REFERENCE,
    companionClasses,
    inlineRetentions,
    inlineVersioning,
    lockEnabledAtCreation,
    lockResourceRetention,
    retentionExample,
    s3KindOf,
    settingsFindings,
    type Slot,
} from "./lib/s3-buckets";
import { isUnknown } from "./lib/unknowns";

const SCOPES = ["all", "flagged"] as const;

interface StorageConfig extends RetentionConfig {
    /** Which buckets must be write-once: every bucket, or only those flagged immutable. */
    scope: (typeof SCOPES)[number];
}

function readStorageConfig(raw: Props): StorageConfig {
    const scope = raw.scope ?? "all";
    if (!(SCOPES as readonly unknown[]).includes(scope)) {
        throw new ConfigError(`scope must be "all" or "flagged"`);
    }
    return { ...readRetentionConfig(raw), scope: scope as StorageConfig["scope"] };
}

// Both halves share their metadata and config keys, so one config entry shape serves both.
const shared: Omit<StackRule<StorageConfig>, "name" | "displayName" | "description" | "check"> = {
    severity: "high",
    enforcementLevel: "mandatory",
    tags: ["storage", "immutability", "aws", "s3"],
    remediationSteps:
        "Create the bucket with `objectLockEnabled: true` (or, for an existing bucket, enable versioning with " +
        "`aws.s3.BucketVersioning`), then add `new aws.s3.BucketObjectLockConfiguration(\"<name>-lock\", { bucket: " +
        "<bucket>.id, rule: { defaultRetention: { mode: \"GOVERNANCE\", days: 30 } } })`. Keep versioning Enabled and " +
        "remove `forceDestroy`.",
    config: {
        scope: {
            type: "string",
            enum: [...SCOPES],
            description: "`all` (default): every S3 bucket must be write-once; `flagged`: only buckets flagged immutable (tag, type or URN).",
        },
        ...retentionConfigSchema,
    },
    readConfig: readStorageConfig,
    guards: { scope: rankedGuard("scope", { flagged: 0, all: 1 }, "all"), ...retentionGuards },
};

// ---------------------------------------------------------------------------------------------
// Resource half: what one bucket, lock configuration or versioning resource shows by itself.

/**
 * At preview the engine gives stack policies each resource's planned outputs, where a property
 * AWS computes when the program leaves it unset (`objectLockEnabled`, the inline lock and
 * versioning blocks) is unknown. The resource half sees the program's inputs first, in the same
 * process, and keeps them, so the stack half can tell "left unset" (off) from "computed from
 * another resource" (unknown) instead of deferring every new bucket to `pulumi up`.
 */
const programInputs = new Map<string, Props>();
const COMPUTED_WHEN_UNSET = ["objectLockEnabled", "objectLockConfiguration", "versioning", "versionings"];

function* resourceFindings(resource: ResourceView, config: StorageConfig): Iterable<Finding> {
    const kind = s3KindOf(resource.type);
    if (!kind) {
        return;
    }
    if (kind === "bucket") {
        programInputs.set(resource.urn, resource.props);
    }
    const findings = settingsFindings(kind, resource.props, config);
    if (config.scope === "all") {
        yield* findings;
    } else if (kind === "bucket") {
        yield* onlyIfFlagged(resource, findings);
    }
    // In `flagged` scope a lock or versioning resource is judged by its bucket's flag, which only the stack half sees.
}

export const storageObjectLockRequired = defineResourcePolicy<StorageConfig>({
    ...shared,
    name: "storage-object-lock-required",
    displayName: "S3 buckets are write-once (object lock)",
    description:
        "An S3 bucket (every @pulumi/aws v6 and v7 token) must not be emptied or overwritten: no `forceDestroy`, " +
        "versioning never suspended, and any default retention it declares uses an allowed mode and at least the " +
        "minimum period. Whether the lock exists at all is checked by storage-object-lock-required-stack, which " +
        "sees the lock and versioning resources beside the bucket.",
    appliesTo: (type) => s3KindOf(type) !== undefined,
    check: resourceFindings,
});

// ---------------------------------------------------------------------------------------------
// Stack half: a bucket with its lock and versioning resources.

function plannedProps(bucket: ResourceView): Props {
    const inputs = programInputs.get(bucket.urn);
    if (!inputs) {
        return bucket.props;
    }
    let props = bucket.props;
    for (const key of COMPUTED_WHEN_UNSET) {
        if (isUnknown(props[key]) && !isUnknown(inputs[key])) {
            props = props === bucket.props ? { ...props } : props;
            if (inputs[key] === undefined) {
                delete props[key];
            } else {
                props[key] = inputs[key];
            }
        }
    }
    return props;
}

function pendingLinks(what: string, pending: readonly ResourceView[]): string {
    return `the bucket of ${what} ${names(pending)} is unknown during preview and may be this one; it is checked when \`pulumi up\` runs`;
}

function addLockResource(bucket: ResourceView, config: RetentionConfig): string {
    return `new ${companionClasses(bucket.type).lock}("${bucket.name}-lock", { bucket: ${variableName(bucket.name)}.id, ` +
        `rule: { defaultRetention: ${retentionExample(config)} } });`;
}

/**
 * The major version of the AWS provider that manages a resource, when the engine says: provider
 * resources carry their plugin `version` among their inputs.
 */
function awsProviderMajor(resource: ResourceView): number | undefined {
    const version = resource.provider?.type === "pulumi:providers:aws" ? resource.provider.props.version : undefined;
    const major = typeof version === "string" ? /^(\d+)\./.exec(version)?.[1] : undefined;
    return major === undefined ? undefined : Number(major);
}

function noLock(bucket: ResourceView, config: RetentionConfig): string {
    const problem = "does not enable object lock, and no lock configuration in the stack applies to this bucket, so its objects can be " +
        "overwritten and deleted.";
    // `aws:s3/bucket:Bucket` is the legacy Bucket in v6 (no top-level objectLockEnabled) and the former BucketV2 in v7.
    const legacyFix = `set \`objectLockConfiguration: { objectLockEnabled: "Enabled", rule: { defaultRetention: ${retentionExample(config)} } }\``;
    const major = awsProviderMajor(bucket);
    if (companionClasses(bucket.type).mayBeLegacy && major !== undefined && major < 7) {
        return `${problem} With @pulumi/aws v${major}'s Bucket, ${legacyFix} (an existing bucket is replaced).`;
    }
    const legacy = companionClasses(bucket.type).mayBeLegacy && major === undefined
        ? ` With @pulumi/aws v6's legacy Bucket, ${legacyFix} instead.`
        : "";
    return `${problem} Set \`objectLockEnabled: true\` (AWS then turns versioning on; an existing bucket is replaced) ` +
        `and add \`${addLockResource(bucket, config)}\`.${legacy}`;
}

function missingLock(bucket: ResourceView, atCreation: false | Slot, pending: readonly ResourceView[], config: RetentionConfig): Finding {
    if (atCreation !== false) {
        return unknownAtPreview(atCreation.path, "whether the bucket has object lock is checked when `pulumi up` runs");
    }
    if (pending.length > 0) {
        return { path: "objectLockEnabled", advisory: true, message: `does not enable object lock, and ${pendingLinks("the lock configurations", pending)}.` };
    }
    return { path: "objectLockEnabled", message: noLock(bucket, config) };
}

function lockedBy(atCreation: boolean, lockResources: readonly ResourceView[]): string {
    return atCreation ? "at creation (objectLockEnabled)" : `by ${names(lockResources)}`;
}

function missingRetention(
    bucket: ResourceView,
    props: Props,
    atCreation: boolean,
    lockResources: readonly ResourceView[],
    pending: readonly ResourceView[],
    config: RetentionConfig,
): Finding | undefined {
    // A rule without its retention block (reported by the resource half) holds no objects either.
    const rules = [...inlineRetentions(props), ...lockResources.map((l) => lockResourceRetention(l.props))]
        .map((slot) => slot.value)
        .filter((retention) => retention !== undefined && retention !== null);
    if (rules.some((rule) => !isUnknown(rule))) {
        return undefined;
    }
    const enabled = `object lock is enabled ${lockedBy(atCreation, lockResources)}`;
    if (rules.length > 0) {
        return { path: "", advisory: true, message: `${enabled} but its default retention rule is unknown during preview; it is checked when \`pulumi up\` runs.` };
    }
    if (pending.length > 0) {
        return { path: "", advisory: true, message: `${enabled} but no default retention rule is known yet; ${pendingLinks("the lock configurations", pending)}.` };
    }
    const fix = lockResources.length > 0
        ? `add \`rule: { defaultRetention: ${retentionExample(config)} }\` to ${lockResources[0].name}`
        : `add \`${addLockResource(bucket, config)}\``;
    return {
        path: "",
        message: `${enabled} but no default retention rule exists anywhere in the stack ` +
            `(neither inline nor in a BucketObjectLockConfiguration), so new objects get no retention; ${fix}.`,
    };
}

/** AWS turns versioning on for a bucket created with object lock; a lock added later needs it Enabled first. */
function missingVersioning(
    bucket: ResourceView,
    props: Props,
    atCreation: false | Slot,
    lockResources: readonly ResourceView[],
    versionings: Links,
): Finding | undefined {
    const inline = inlineVersioning(props);
    if (versionings.of(bucket).length > 0 || inline.some((s) => s.value === true)) {
        return undefined;
    }
    const undecided = inline.find((s) => isUnknown(s.value)) ?? (atCreation === false ? undefined : atCreation);
    if (undecided) {
        return unknownAtPreview(undecided.path, "whether the bucket's versioning is Enabled is checked when `pulumi up` runs");
    }
    const pending = versionings.maybeOf(bucket);
    if (pending.length > 0) {
        return { path: "", advisory: true, message: `versioning is not known to be Enabled yet; ${pendingLinks("the versioning configurations", pending)}.` };
    }
    return {
        path: "",
        message: `object lock is added ${lockedBy(false, lockResources)} to a bucket created without it, which needs versioning Enabled, but no ` +
            "versioning in the stack enables it; add " +
            `\`new ${companionClasses(bucket.type).versioning}("${bucket.name}-versioning", { bucket: ${variableName(bucket.name)}.id, versioningConfiguration: { status: "Enabled" } });\`.`,
    };
}

function* bucketFindings(bucket: ResourceView, locks: Links, versionings: Links, config: RetentionConfig): Iterable<Finding> {
    const props = plannedProps(bucket);
    const atCreation = lockEnabledAtCreation(props);
    const lockResources = locks.of(bucket);
    if (atCreation !== true && lockResources.length === 0) {
        yield missingLock(bucket, atCreation, locks.maybeOf(bucket), config);
        return;
    }
    const findings = [
        missingRetention(bucket, props, atCreation === true, lockResources, locks.maybeOf(bucket), config),
        atCreation === true ? undefined : missingVersioning(bucket, props, atCreation, lockResources, versionings),
    ];
    yield* findings.filter((f): f is Finding => f !== undefined);
}

function* stackFindings(resources: readonly ResourceView[], config: StorageConfig): Iterable<StackFinding> {
    const buckets: ResourceView[] = [];
    const lockResources: ResourceView[] = [];
    const versioningResources: ResourceView[] = [];
    const byKind = { bucket: buckets, lock: lockResources, versioning: versioningResources };
    for (const resource of resources) {
        const kind = s3KindOf(resource.type);
        if (kind) {
            byKind[kind].push(resource);
        }
    }
    const options = { property: BUCKET_REFERENCE, targetNames: BUCKET_NAMES };
    const locks = link(buckets, lockResources, options);
    const versionings = link(buckets, versioningResources, options);
    for (const bucket of buckets) {
        const findings: StackFinding[] = [...bucketFindings(bucket, locks, versionings, config)].map((f) => ({ ...f, resource: bucket }));
        if (config.scope === "all") {
            yield* findings;
            continue;
        }
        for (const [kind, links] of [["lock", locks], ["versioning", versionings]] as const) {
            for (const resource of links.of(bucket)) {
                findings.push(...[...settingsFindings(kind, resource.props, config)].map((f) => ({ ...f, resource })));
            }
        }
        yield* onlyIfFlagged(bucket, findings);
    }
}

export const storageObjectLockRequiredStack = defineStackPolicy<StorageConfig>({
    ...shared,
    name: "storage-object-lock-required-stack",
    displayName: "S3 buckets are write-once (object lock across the stack)",
    description:
        "Every S3 bucket in scope must have object lock enabled (at creation, or by a BucketObjectLockConfiguration " +
        "in the same stack) and a default retention rule with a mode and a positive period; a lock added to an " +
        "existing bucket needs versioning Enabled in the same stack. Lock and versioning resources are linked to " +
        "their bucket through the engine's property dependencies and the bucket's name.",
    check: stackFindings,
});
