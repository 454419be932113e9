/**
 * A stand-in for the `aws` provider (pulumi-aws 7.x, bridged from Terraform): it keeps no cloud, but
 * answers Check, Diff, Create and Update the way the real provider does for the resource types the
 * example programs use, so the engine records the checked inputs a real `pulumi up` records.
 *
 * Modelled on pulumi-aws and pulumi-terraform-bridge:
 * - Check: auto-names `<logical name>-<7 hex>` (S3 bucket names lowercased), reused from the old inputs
 *   when they were auto-named; Terraform schema defaults that are not falsy (the bridge leaves out
 *   omitted `false`, `0` and `""` defaults); `__defaults` listing the keys it filled, and `__defaults: []`
 *   in nested blocks; `tagsAll` (provider default tags merged with `tags`, unknown when they are);
 *   `region` from the provider config on regional resources; IAM policy documents given as objects
 *   become JSON strings with sorted keys.
 * - Diff: a detailed diff of the inputs; the properties Terraform marks ForceNew replace, and a
 *   replacement is delete-before-replace when the resource's name was set rather than auto-named.
 * - Create/Update: inputs echoed as outputs (without `__defaults`), plus the id, ARNs and other computed
 *   values, which are unknown at preview for a new resource.
 * - Invoke: getCallerIdentity (account 123456789012), getRegion, getPartition, iam.getPolicyDocument.
 */
import { createHash } from "crypto";
import { renderPolicyDocument } from "../../cli/dry-run/data-sources";
import { DiffOutcome, diffInputs } from "./lib/diff";
import { logicalName, randomHex, typeToken } from "./lib/naming";
import { StandIn } from "./lib/serve";
import { Properties, UNKNOWN, Value, clone, containsUnknown, isObject, reveal, withoutKeys } from "./lib/values";

const ACCOUNT_ID = "123456789012";
/** The bridge's record of which input keys it filled in itself. */
const DEFAULTS_KEY = "__defaults";
const AUTO_NAME_SUFFIX_LENGTH = 7;

interface Context {
    region: string;
    /** For ids that are unique per creation, like a policy attachment's. */
    unique: string;
}

interface ResourceType {
    /** The name property the provider fills in when it is not set (and its prefix property is not either). */
    autoName?: { property: string; prefixProperty?: string; lowercase?: boolean };
    /** Terraform schema defaults the bridge writes into checked inputs (non-falsy ones only). */
    defaults?: Properties;
    /** Dotted paths of nested blocks, objects that carry their own `__defaults: []`. */
    blocks?: string[];
    /** Policy documents, accepted as objects and stored as JSON strings. */
    jsonDocuments?: string[];
    tagged: boolean;
    regional: boolean;
    /** Properties Terraform marks ForceNew. */
    forceNew: string[];
    /** Values Terraform writes to state when the input is absent, known already at preview. */
    stateDefaults?: Properties;
    /** The resource's id and the values the provider computes when it creates the resource. */
    computed(inputs: Properties, context: Context): { id: string; outputs: Properties };
}

const str = (value: Value | undefined): string => String(reveal(value) ?? "");

function bucket(): ResourceType {
    return {
        autoName: { property: "bucket", prefixProperty: "bucketPrefix", lowercase: true },
        tagged: true,
        regional: true,
        forceNew: ["bucket", "bucketPrefix", "objectLockEnabled", "region"],
        stateDefaults: { forceDestroy: false },
        computed: (inputs, { region, unique }) => {
            const name = inputs.bucket ? str(inputs.bucket) : `${str(inputs.bucketPrefix)}${unique}`;
            return {
                id: name,
                outputs: {
                    bucket: name,
                    arn: `arn:aws:s3:::${name}`,
                    bucketDomainName: `${name}.s3.amazonaws.com`,
                    bucketRegionalDomainName: `${name}.s3.${region}.amazonaws.com`,
                    bucketRegion: region,
                    hostedZoneId: "Z1BKCTXD74EZPE",
                    objectLockEnabled: false,
                },
            };
        },
    };
}

function bucketSubresource(blocks: string[], defaults: Properties = {}): ResourceType {
    return {
        defaults,
        blocks,
        tagged: false,
        regional: true,
        forceNew: ["bucket", "expectedBucketOwner", "region"],
        computed: (inputs) => ({ id: str(inputs.bucket), outputs: {} }),
    };
}

const RESOURCE_TYPES: Record<string, ResourceType> = {
    "aws:s3/bucket:Bucket": bucket(),
    "aws:s3/bucketV2:BucketV2": bucket(),
    "aws:s3/bucketVersioning:BucketVersioning": bucketSubresource(["versioningConfiguration"]),
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": bucketSubresource(["rule", "rule.defaultRetention"], {
        objectLockEnabled: "Enabled",
    }),
    "aws:ecr/repository:Repository": {
        autoName: { property: "name" },
        defaults: { imageTagMutability: "MUTABLE" },
        blocks: ["imageScanningConfiguration", "encryptionConfigurations", "imageTagMutabilityExclusionFilters"],
        tagged: true,
        regional: true,
        forceNew: ["name", "encryptionConfigurations", "region"],
        stateDefaults: { forceDelete: false },
        computed: (inputs, { region }) => {
            const name = str(inputs.name);
            return {
                id: name,
                outputs: {
                    arn: `arn:aws:ecr:${region}:${ACCOUNT_ID}:repository/${name}`,
                    registryId: ACCOUNT_ID,
                    repositoryUrl: `${ACCOUNT_ID}.dkr.ecr.${region}.amazonaws.com/${name}`,
                },
            };
        },
    },
    "aws:backup/vault:Vault": {
        autoName: { property: "name" },
        tagged: true,
        regional: true,
        forceNew: ["name", "kmsKeyArn", "region"],
        stateDefaults: { forceDestroy: false },
        computed: (inputs, { region }) => ({
            id: str(inputs.name),
            outputs: { arn: `arn:aws:backup:${region}:${ACCOUNT_ID}:backup-vault:${str(inputs.name)}`, recoveryPoints: 0 },
        }),
    },
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": {
        tagged: false,
        regional: true,
        forceNew: ["backupVaultName", "region"],
        computed: (inputs, { region }) => ({
            id: str(inputs.backupVaultName),
            outputs: { backupVaultArn: `arn:aws:backup:${region}:${ACCOUNT_ID}:backup-vault:${str(inputs.backupVaultName)}` },
        }),
    },
    "aws:iam/role:Role": {
        autoName: { property: "name", prefixProperty: "namePrefix" },
        defaults: { path: "/", maxSessionDuration: 3600 },
        jsonDocuments: ["assumeRolePolicy"],
        tagged: true,
        regional: false,
        forceNew: ["name", "namePrefix", "path"],
        stateDefaults: { forceDetachPolicies: false },
        computed: (inputs, { unique }) => {
            const name = inputs.name ? str(inputs.name) : `${str(inputs.namePrefix)}${unique}`;
            return {
                id: name,
                outputs: {
                    name,
                    arn: `arn:aws:iam::${ACCOUNT_ID}:role${str(inputs.path)}${name}`,
                    uniqueId: `AROA${unique.toUpperCase()}`,
                    createDate: new Date().toISOString(),
                },
            };
        },
    },
    "aws:iam/policy:Policy": {
        autoName: { property: "name", prefixProperty: "namePrefix" },
        defaults: { path: "/" },
        jsonDocuments: ["policy"],
        tagged: true,
        regional: false,
        forceNew: ["name", "namePrefix", "path", "description"],
        computed: (inputs, { unique }) => {
            const name = inputs.name ? str(inputs.name) : `${str(inputs.namePrefix)}${unique}`;
            const arn = `arn:aws:iam::${ACCOUNT_ID}:policy${str(inputs.path)}${name}`;
            return { id: arn, outputs: { name, arn, policyId: `ANPA${unique.toUpperCase()}`, attachmentCount: 0 } };
        },
    },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
        tagged: false,
        regional: false,
        forceNew: ["role", "policyArn"],
        computed: (inputs, { unique }) => ({ id: `${str(inputs.role)}-${unique}`, outputs: {} }),
    },
    "aws:lambda/function:Function": {
        autoName: { property: "name" },
        defaults: { memorySize: 128, timeout: 3, packageType: "Zip", reservedConcurrentExecutions: -1 },
        blocks: ["environment", "imageConfig", "vpcConfig", "tracingConfig", "ephemeralStorage", "loggingConfig"],
        tagged: true,
        regional: true,
        forceNew: ["name", "packageType", "region"],
        stateDefaults: { publish: false, skipDestroy: false },
        computed: (inputs, { region }) => {
            const name = str(inputs.name);
            const arn = `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${name}`;
            const invoke = (target: string) => `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${target}/invocations`;
            return {
                id: name,
                outputs: {
                    arn,
                    qualifiedArn: `${arn}:$LATEST`,
                    invokeArn: invoke(arn),
                    qualifiedInvokeArn: invoke(`${arn}:$LATEST`),
                    version: "$LATEST",
                    lastModified: new Date().toISOString(),
                    sourceCodeSize: 0,
                    architectures: ["x86_64"],
                },
            };
        },
    },
    "aws:ecs/taskDefinition:TaskDefinition": {
        blocks: ["runtimePlatform", "ephemeralStorage", "volumes", "placementConstraints", "proxyConfiguration"],
        tagged: true,
        regional: true,
        // Terraform replaces a task definition for any change but its tags and lifecycle settings.
        forceNew: [
            "family", "containerDefinitions", "cpu", "memory", "networkMode", "requiresCompatibilities", "executionRoleArn",
            "taskRoleArn", "volumes", "placementConstraints", "proxyConfiguration", "runtimePlatform", "ephemeralStorage",
            "ipcMode", "pidMode", "enableFaultInjection", "region",
        ],
        stateDefaults: { skipDestroy: false, trackLatest: false },
        computed: (inputs, { region }) => {
            const family = str(inputs.family);
            const arnWithoutRevision = `arn:aws:ecs:${region}:${ACCOUNT_ID}:task-definition/${family}`;
            return { id: family, outputs: { arn: `${arnWithoutRevision}:1`, arnWithoutRevision, revision: 1 } };
        },
    },
};

/** JSON as Go's encoding/json writes a map: keys sorted, `<`, `>` and `&` escaped. */
function goJson(value: Value): string {
    const sorted = (v: Value): Value =>
        Array.isArray(v) ? v.map(sorted) : isObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])])) : v;
    return JSON.stringify(sorted(value)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function withBlockDefaults(value: Value | undefined, path: string[]): void {
    const inner = reveal(value);
    if (Array.isArray(inner)) {
        inner.forEach((element) => withBlockDefaults(element, path));
    } else if (isObject(inner)) {
        if (path.length === 0) {
            inner[DEFAULTS_KEY] ??= [];
        } else {
            withBlockDefaults(inner[path[0]], path.slice(1));
        }
    }
}

/** Terraform state has no `__defaults`: outputs are the inputs without them. */
const withoutDefaultsKeys = (value: Properties): Properties => withoutKeys(value, new Set([DEFAULTS_KEY])) as Properties;

const absent = (value: Value | undefined) => value === undefined || value === null;

export class AwsStandIn implements StandIn {
    readonly version: string;
    private region: string | undefined;
    private defaultTags: Properties = {};

    constructor(version: string) {
        this.version = version;
    }

    configure(config: Properties): void {
        this.region = typeof config.region === "string" ? config.region : undefined;
        const defaultTags = typeof config.defaultTags === "string" ? (JSON.parse(config.defaultTags) as Value) : config.defaultTags;
        this.defaultTags = isObject(defaultTags) && isObject(defaultTags.tags) ? defaultTags.tags : {};
    }

    private type(urn: string): ResourceType {
        const type = RESOURCE_TYPES[typeToken(urn)];
        if (!type) {
            throw new Error(`the aws test provider does not model ${typeToken(urn)}; add it to e2e/providers/aws.ts`);
        }
        return type;
    }

    check(urn: string, olds: Properties, news: Properties): Properties {
        const type = this.type(urn);
        const inputs = clone(news);
        const filled: string[] = [];
        // The bridge reuses an old value only for a key it filled itself (or when the old inputs predate `__defaults`).
        const oldDefaults = Array.isArray(olds[DEFAULTS_KEY]) ? (olds[DEFAULTS_KEY] as Value[]) : undefined;
        const reusable = (key: string) => !absent(olds[key]) && (oldDefaults === undefined || oldDefaults.includes(key));
        const fill = (key: string, fresh: () => Value) => {
            inputs[key] = reusable(key) ? olds[key] : fresh();
            filled.push(key);
        };

        const autoName = type.autoName;
        if (autoName && absent(inputs[autoName.property]) && (!autoName.prefixProperty || absent(inputs[autoName.prefixProperty]))) {
            const name = `${logicalName(urn)}-${randomHex(AUTO_NAME_SUFFIX_LENGTH)}`;
            fill(autoName.property, () => (autoName.lowercase ? name.toLowerCase() : name));
        }
        for (const [key, value] of Object.entries(type.defaults ?? {})) {
            if (absent(inputs[key])) {
                fill(key, () => value);
            }
        }
        for (const key of type.jsonDocuments ?? []) {
            const document = inputs[key];
            if (isObject(document) || Array.isArray(document)) {
                inputs[key] = containsUnknown(document) ? UNKNOWN : goJson(document);
            }
        }
        if (type.tagged) {
            const tags = inputs.tags;
            inputs.tagsAll = containsUnknown(tags) ? UNKNOWN : { ...this.defaultTags, ...(isObject(reveal(tags)) ? (reveal(tags) as Properties) : {}) };
        }
        if (type.regional && absent(inputs.region) && this.region) {
            inputs.region = this.region;
        }
        for (const block of type.blocks ?? []) {
            withBlockDefaults(inputs, block.split("."));
        }
        inputs[DEFAULTS_KEY] = filled.sort();
        return inputs;
    }

    diff(urn: string, oldInputs: Properties, _oldOutputs: Properties, news: Properties): DiffOutcome {
        const type = this.type(urn);
        const outcome = diffInputs(oldInputs, news, type.forceNew, { ignoredKeys: [DEFAULTS_KEY] });
        const filled = Array.isArray(news[DEFAULTS_KEY]) ? (news[DEFAULTS_KEY] as Value[]) : [];
        const named = type.autoName !== undefined && !absent(news[type.autoName.property]) && !filled.includes(type.autoName.property);
        // A set name cannot be held by two resources at once, so the old one goes first.
        return { ...outcome, deleteBeforeReplace: outcome.replaces.length > 0 && named };
    }

    create(urn: string, inputs: Properties, preview: boolean): { id: string; outputs: Properties } {
        const type = this.type(urn);
        const context = { region: str(inputs.region) || this.region || "us-east-1", unique: randomHex(20) };
        const stored = withoutDefaultsKeys(inputs);
        const outputs: Properties = { ...type.stateDefaults, ...stored };
        const { id, outputs: computed } = type.computed(stored, context);
        for (const [key, value] of Object.entries(computed)) {
            outputs[key] = absent(stored[key]) ? (preview ? UNKNOWN : value) : stored[key];
        }
        return { id: preview ? "" : id, outputs };
    }

    update(urn: string, _id: string, oldOutputs: Properties, news: Properties): Properties {
        const type = this.type(urn);
        const stored = withoutDefaultsKeys(news);
        // Computed values stay what the resource has; only the inputs change.
        const kept = Object.fromEntries(Object.entries(oldOutputs).filter(([key]) => !(key in stored)));
        return { ...kept, ...type.stateDefaults, ...stored };
    }

    invoke(token: string, args: Properties): Properties {
        const region = this.region ?? "us-east-1";
        switch (token) {
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { accountId: ACCOUNT_ID, arn: `arn:aws:iam::${ACCOUNT_ID}:user/e2e`, userId: "AIDAE2ETESTPROVIDER", id: ACCOUNT_ID };
            case "aws:index/getRegion:getRegion":
                return { region, name: region, id: region, endpoint: `ec2.${region}.amazonaws.com`, description: region };
            case "aws:index/getPartition:getPartition":
                return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
            case "aws:iam/getPolicyDocument:getPolicyDocument": {
                const json = renderPolicyDocument(args as Record<string, unknown>);
                const minifiedJson = JSON.stringify(JSON.parse(json));
                return { ...args, json, minifiedJson, id: createHash("sha256").update(json).digest("hex").slice(0, 10) };
            }
            default:
                throw new Error(`the aws test provider does not answer ${token}; add it to e2e/providers/aws.ts`);
        }
    }
}

/** The provider as its launcher starts it, reporting the version of the installed `@pulumi/aws` SDK. */
export function createStandIn(): StandIn {
    return new AwsStandIn((require("@pulumi/aws/package.json") as { version: string }).version);
}
