/**
 * What a provider's Check adds to a resource's inputs before the engine hands them to Analyze and
 * records them in the state: the dry run has no provider, so without this a lock made from a real
 * `pulumi stack export` would see every such input as removed. Only what a lock compares is imitated:
 * - aws (pulumi-aws, Terraform bridge): auto-names (`<logical name>-<7 hex>`), Terraform defaults that are
 *   not falsy, `tagsAll` (the provider's default tags merged with `tags`), `region` on regional resources
 *   from v7 on, and IAM documents given as objects stored as JSON strings with sorted keys.
 * - kubernetes: `metadata.name` auto-named `<logical name>-<8 hex>` with the `pulumi.com/autonamed`
 *   annotation, the provider's `namespace` on namespaced kinds, and a Secret's `stringData` stored
 *   base64-encoded in `data`, secret.
 * Auto-names are drawn from the URN, not at random, so two dry runs of a program agree; the lock accepts
 * any name the provider could have generated. Types not listed get only the generic rules.
 */
import { createHash } from "crypto";
import { SECRET_SIGNATURE, secret } from "../analyzer-client";
import { isUnknown, UNKNOWN_STRING } from "../../rules/lib/unknowns";

type Props = Record<string, unknown>;

interface AwsType {
    autoName?: { property: string; prefixProperty?: string; lowercase?: boolean };
    /** Terraform schema defaults the bridge writes into checked inputs; it leaves out `false`, `0` and `""`. */
    defaults?: Props;
    /** Policy documents: an object given here is stored as its JSON. */
    jsonDocuments?: string[];
}

const BUCKET: AwsType = { autoName: { property: "bucket", prefixProperty: "bucketPrefix", lowercase: true } };
const NAMED: AwsType = { autoName: { property: "name", prefixProperty: "namePrefix" } };
const POLICY: AwsType = { jsonDocuments: ["policy"] };

const AWS_TYPES: Record<string, AwsType> = {
    "aws:s3/bucket:Bucket": BUCKET,
    "aws:s3/bucketV2:BucketV2": BUCKET,
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": { defaults: { objectLockEnabled: "Enabled" } },
    "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2": { defaults: { objectLockEnabled: "Enabled" } },
    "aws:s3/bucketPolicy:BucketPolicy": POLICY,
    "aws:ecr/repository:Repository": { autoName: { property: "name" }, defaults: { imageTagMutability: "MUTABLE" } },
    "aws:backup/vault:Vault": { autoName: { property: "name" } },
    "aws:iam/role:Role": { ...NAMED, defaults: { path: "/", maxSessionDuration: 3600 }, jsonDocuments: ["assumeRolePolicy"] },
    "aws:iam/policy:Policy": { ...NAMED, defaults: { path: "/" }, jsonDocuments: ["policy"] },
    "aws:iam/rolePolicy:RolePolicy": { ...NAMED, ...POLICY },
    "aws:iam/userPolicy:UserPolicy": { ...NAMED, ...POLICY },
    "aws:iam/groupPolicy:GroupPolicy": { ...NAMED, ...POLICY },
    "aws:iam/user:User": { autoName: { property: "name" }, defaults: { path: "/" } },
    "aws:lambda/function:Function": {
        autoName: { property: "name" },
        defaults: { memorySize: 128, timeout: 3, packageType: "Zip", reservedConcurrentExecutions: -1 },
    },
    "aws:rds/instance:Instance": {
        autoName: { property: "identifier", prefixProperty: "identifierPrefix" },
        defaults: { autoMinorVersionUpgrade: true, deleteAutomatedBackups: true },
    },
    "aws:ecs/taskDefinition:TaskDefinition": {},
    "aws:sqs/queue:Queue": NAMED,
    "aws:sns/topic:Topic": NAMED,
};

/** Modules of global AWS services, whose resources take no `region`. */
const GLOBAL_AWS_MODULES = new Set(["iam", "cloudfront", "route53", "organizations", "globalaccelerator", "shield", "budgets"]);

/** Types that are not taggable although they belong to a taggable service; the bridge adds `tagsAll` only to taggable ones. */
const UNTAGGED_AWS_TYPES = new Set([
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketVersioningV2:BucketVersioningV2",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
]);

const CLUSTER_SCOPED_KINDS = new Set([
    "APIService", "CertificateSigningRequest", "ClusterRole", "ClusterRoleBinding", "CSIDriver", "CSINode",
    "CustomResourceDefinition", "IngressClass", "MutatingWebhookConfiguration", "Namespace", "Node",
    "PersistentVolume", "PriorityClass", "RuntimeClass", "StorageClass", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding", "ValidatingWebhookConfiguration", "VolumeAttachment",
]);

const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

function isObject(value: unknown): value is Props {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isSecret(value: unknown): value is { value: unknown } {
    return isObject(value) && value[SECRET_SIGNATURE] === SECRET_SIG_VALUE;
}

const reveal = (value: unknown): unknown => (isSecret(value) ? value.value : value);
const absent = (value: unknown) => value === undefined || value === null;

function containsUnknownOrSecret(value: unknown): boolean {
    if (isUnknown(value) || isSecret(value)) {
        return true;
    }
    if (Array.isArray(value)) {
        return value.some(containsUnknownOrSecret);
    }
    return isObject(value) && Object.values(value).some(containsUnknownOrSecret);
}

function containsUnknown(value: unknown): boolean {
    if (isUnknown(value)) {
        return true;
    }
    const inner = reveal(value);
    if (Array.isArray(inner)) {
        return inner.some(containsUnknown);
    }
    return isObject(inner) && Object.values(inner).some(containsUnknown);
}

/** Hex digits drawn from the URN: a stable stand-in for the provider's random suffix. */
function suffix(urn: string, length: number): string {
    return createHash("sha256").update(urn).digest("hex").slice(0, length);
}

const logicalName = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

/** JSON as Go's encoding/json writes a map: keys sorted, `<`, `>` and `&` escaped. */
function goJson(value: unknown): string {
    const sorted = (v: unknown): unknown =>
        Array.isArray(v) ? v.map(sorted) : isObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])])) : v;
    return JSON.stringify(sorted(value)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The provider's default tags: an object under explicit providers, JSON text in stack config. */
function defaultTags(provider: Props): Props | undefined {
    let value = reveal(provider.defaultTags);
    if (typeof value === "string") {
        try {
            value = JSON.parse(value) as unknown;
        } catch {
            return undefined;
        }
    }
    return isObject(value) && isObject(value.tags) ? value.tags : undefined;
}

function majorVersion(provider: Props, resourceVersion: string): number {
    const version = typeof provider.version === "string" ? provider.version : resourceVersion;
    return Number.parseInt(version, 10);
}

function checkAws(type: string, urn: string, inputs: Props, provider: Props, version: string): Props {
    const known = AWS_TYPES[type] ?? {};
    const checked: Props = { ...inputs };
    const autoName = known.autoName;
    if (autoName && absent(checked[autoName.property]) && (!autoName.prefixProperty || absent(checked[autoName.prefixProperty]))) {
        const name = `${logicalName(urn)}-${suffix(urn, 7)}`;
        checked[autoName.property] = autoName.lowercase ? name.toLowerCase() : name;
    }
    for (const [key, value] of Object.entries(known.defaults ?? {})) {
        if (absent(checked[key])) {
            checked[key] = value;
        }
    }
    for (const key of known.jsonDocuments ?? []) {
        const document = checked[key];
        if ((isObject(document) || Array.isArray(document)) && !containsUnknownOrSecret(document)) {
            checked[key] = goJson(document);
        }
    }
    const module = type.split(":")[1]?.split("/")[0] ?? "";
    const tagged = !UNTAGGED_AWS_TYPES.has(type) && ("tags" in checked || type in AWS_TYPES);
    if (tagged && absent(checked.tagsAll)) {
        const tags = checked.tags;
        checked.tagsAll = containsUnknown(tags) ? tags : { ...(defaultTags(provider) ?? {}), ...(isObject(reveal(tags)) ? (reveal(tags) as Props) : {}) };
    }
    const region = reveal(provider.region);
    if (majorVersion(provider, version) >= 7 && !GLOBAL_AWS_MODULES.has(module) && absent(checked.region) && typeof region === "string" && region !== "") {
        checked.region = region;
    }
    return checked;
}

/** What the API server stores for `stringData`: each value base64-encoded into `data`, which stays secret. */
function secretData(inputs: Props): Props {
    const stringData = reveal(inputs.stringData);
    if (!isObject(stringData) || containsUnknown(inputs.stringData) || containsUnknown(inputs.data)) {
        return inputs;
    }
    const data: Props = { ...(isObject(reveal(inputs.data)) ? (reveal(inputs.data) as Props) : {}) };
    for (const [key, value] of Object.entries(stringData)) {
        data[key] = Buffer.from(String(reveal(value))).toString("base64");
    }
    const { stringData: _moved, ...rest } = inputs;
    return { ...rest, data: secret(data) };
}

function checkKubernetes(urn: string, inputs: Props, provider: Props): Props {
    const checked: Props = { ...inputs };
    const metadata: Props = isObject(checked.metadata) ? { ...checked.metadata } : {};
    if (isUnknown(checked.metadata)) {
        return checked;
    }
    if (absent(metadata.name) && absent(metadata.generateName)) {
        metadata.name = `${logicalName(urn)}-${suffix(urn, 8)}`;
        metadata.annotations = { ...(isObject(metadata.annotations) ? metadata.annotations : {}), "pulumi.com/autonamed": "true" };
    }
    const namespace = reveal(provider.namespace);
    if (typeof namespace === "string" && namespace !== "" && !CLUSTER_SCOPED_KINDS.has(String(checked.kind)) && !metadata.namespace) {
        metadata.namespace = namespace;
    }
    checked.metadata = metadata;
    return checked.kind === "Secret" ? secretData(checked) : checked;
}

/**
 * The inputs of a custom resource (never a component) as its provider's Check would return them, in the engine's wire form
 * (secrets wrapped, unknowns as sentinels). `provider` is the provider's configuration (its inputs, keys
 * without the package prefix); `version` the provider version the resource's SDK asked for.
 */
export function checkedInputs(type: string, urn: string, inputs: Props, provider: Props, version: string): Props {
    if (type.startsWith("aws:")) {
        return checkAws(type, urn, inputs, provider, version);
    }
    if (type.startsWith("kubernetes:")) {
        return checkKubernetes(urn, inputs, provider);
    }
    return inputs;
}

/**
 * The state the mocked resource monitor answers a registration with. A Kubernetes object's auto-name is
 * known in a real preview (Check draws it) but random, so whatever the dry run drew would differ from the
 * deployed name that other resources' inputs hold in a lock: it is unknown here, as every value a provider
 * computes is, and those inputs are compared when `pulumi up` runs. (An AWS auto-name is a top-level output
 * the program did not set, which the dry run already keeps unknown.)
 */
export function registrationState(type: string, custom: boolean, inputs: Props): Props {
    // Kubernetes components (yaml, helm, kustomize) are not objects and have no name of their own.
    if (!custom || !type.startsWith("kubernetes:")) {
        return inputs;
    }
    const metadata = isObject(inputs.metadata) ? inputs.metadata : {};
    if (!absent(metadata.name) || !absent(metadata.generateName) || isUnknown(inputs.metadata)) {
        return inputs;
    }
    return { ...inputs, metadata: { ...metadata, name: UNKNOWN_STRING } };
}
