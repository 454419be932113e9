import { strict as assert } from "assert";
import { secret, type AnalyzedResource, type PolicyPackProcess, type ReturnedDiagnostic } from "../../cli/analyzer-client";
import { UNKNOWN_BOOLEAN, UNKNOWN_OBJECT, UNKNOWN_STRING } from "../../rules/lib/unknowns";
import { urnOf } from "../lib/harness";
import { packPerSuite } from "../lib/pack";

const STACK = "prod";
const PROJECT = "records";

/** An input set from another resource's output, as `bucket: auditLogs.id` writes it. */
interface Ref {
    ref: string;
    output: "id" | "name" | "bucket";
}

interface Spec {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    provider?: string;
}

const AWS_PROVIDER: AnalyzedResource["provider"] = {
    type: "pulumi:providers:aws",
    name: "default_7_48_0",
    urn: urnOf("pulumi:providers:aws", "default_7_48_0", STACK, PROJECT),
    properties: { region: "eu-west-1", version: "7.48.0" },
};
const K8S_PROVIDER: AnalyzedResource["provider"] = {
    type: "pulumi:providers:kubernetes",
    name: "prod-cluster",
    urn: urnOf("pulumi:providers:kubernetes", "prod-cluster", STACK, PROJECT),
    // The provider SDK sends boolean settings as JSON text.
    properties: { enableConfigMapMutable: "true", namespace: "records", version: "4.34.2" },
};

const retention = (mode: string, days: number) => ({ defaultRetention: { mode, days } });
const flag = { immutable: "true" };

/** A records platform as its program declares it with @pulumi/aws 7 and @pulumi/kubernetes 4. */
const SPECS: Spec[] = [
    // Created with object lock; its retention lives in a lock configuration that names it by id.
    { type: "aws:s3/bucket:Bucket", name: "audit-logs", inputs: { bucket: "audit-logs-7c3e1f2", forceDestroy: false, objectLockEnabled: true, tags: flag } },
    { type: "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", name: "audit-logs-lock", inputs: { bucket: { ref: "audit-logs", output: "id" }, objectLockEnabled: "Enabled", rule: retention("COMPLIANCE", 365) } },
    // An existing bucket given versioning and then a lock, both in this stack.
    { type: "aws:s3/bucket:Bucket", name: "ledger", inputs: { bucket: "ledger-5d4c3b2", forceDestroy: false } },
    { type: "aws:s3/bucketVersioning:BucketVersioning", name: "ledger-versioning", inputs: { bucket: { ref: "ledger", output: "id" }, versioningConfiguration: { status: "Enabled" } } },
    { type: "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", name: "ledger-lock", inputs: { bucket: { ref: "ledger", output: "bucket" }, objectLockEnabled: "Enabled", rule: retention("GOVERNANCE", 30) } },
    // No lock at all.
    { type: "aws:s3/bucket:Bucket", name: "reports", inputs: { bucket: "reports-0a9b8c7", forceDestroy: false, tags: { team: "finance" } } },
    // Locked at creation, but emptied by forceDestroy and given no retention anywhere.
    { type: "aws:s3/bucket:Bucket", name: "scratch", inputs: { bucket: "scratch-3e4f5a6", forceDestroy: true, objectLockEnabled: true } },
    // A lock whose versioning is suspended.
    { type: "aws:s3/bucket:Bucket", name: "exports", inputs: { bucket: "exports-8b9c0d1", forceDestroy: false } },
    { type: "aws:s3/bucketVersioning:BucketVersioning", name: "exports-versioning", inputs: { bucket: { ref: "exports", output: "id" }, versioningConfiguration: { status: "Suspended" } } },
    { type: "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", name: "exports-lock", inputs: { bucket: { ref: "exports", output: "id" }, rule: retention("GOVERNANCE", 14) } },
    // Kept from the v6 program: a BucketV2 with its lock inline.
    {
        type: "aws:s3/bucketV2:BucketV2",
        name: "archive",
        inputs: {
            bucket: "archive-1f2e3d4",
            forceDestroy: false,
            objectLockEnabled: true,
            objectLockConfiguration: { objectLockEnabled: "Enabled", rules: [{ defaultRetentions: [{ mode: "COMPLIANCE", years: 7 }] }] },
            versionings: [{ enabled: true }],
        },
    },
    { type: "aws:ecr/repository:Repository", name: "ingest-images", inputs: { name: "ingest-images-9a8b7c6", forceDelete: false, imageTagMutability: "IMMUTABLE" } },
    { type: "aws:ecr/repository:Repository", name: "web-images", inputs: { __defaults: ["imageTagMutability"], name: "web-images-1b2c3d4", forceDelete: false, imageTagMutability: "MUTABLE" } },
    { type: "aws:backup/vault:Vault", name: "evidence-vault", inputs: { name: "evidence-vault-1a2b3c4", forceDestroy: false, tags: flag } },
    { type: "aws:backup/vaultLockConfiguration:VaultLockConfiguration", name: "evidence-vault-lock", inputs: { backupVaultName: { ref: "evidence-vault", output: "name" }, changeableForDays: 3, minRetentionDays: 35, maxRetentionDays: 3650 } },
    { type: "aws:glacier/vault:Vault", name: "audit-archive", inputs: { name: "audit-archive-9f8e7d6", tags: flag } },
    { type: "aws:glacier/vaultLock:VaultLock", name: "audit-archive-lock", inputs: { vaultName: { ref: "audit-archive", output: "name" }, completeLock: false, policy: "{\"Version\":\"2012-10-17\",\"Statement\":[]}" } },
    {
        type: "kubernetes:core/v1:ConfigMap",
        name: "ingest-config",
        provider: "k8s",
        inputs: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ingest-config-5c9d2e1", labels: flag }, immutable: true, data: { BATCH_SIZE: "500" } },
    },
    {
        type: "kubernetes:core/v1:Secret",
        name: "ingest-credentials",
        provider: "k8s",
        inputs: { apiVersion: "v1", kind: "Secret", metadata: { name: "ingest-credentials", labels: flag }, type: "Opaque", stringData: secret({ password: "s3cr3t-pw-7781" }) },
    },
];

const byName = new Map(SPECS.map((s) => [s.name, s]));
const urnOfSpec = (name: string) => {
    const spec = byName.get(name)!;
    return urnOf(spec.type, spec.name, STACK, PROJECT);
};

function isRef(value: unknown): value is Ref {
    return value !== null && typeof value === "object" && "ref" in value;
}

/** What an output of a resource is at preview (computed ones unknown) or after `pulumi up`. */
function outputOf(ref: Ref, phase: "preview" | "up"): unknown {
    const target = byName.get(ref.ref)!.inputs;
    const name = (target.bucket ?? target.name) as string;
    return ref.output === "id" && phase === "preview" ? UNKNOWN_STRING : name;
}

function resolved(spec: Spec, phase: "preview" | "up") {
    const properties: Record<string, unknown> = {};
    const propertyDependencies: Record<string, string[]> = {};
    for (const [key, value] of Object.entries(spec.inputs)) {
        properties[key] = isRef(value) ? outputOf(value, phase) : value;
        if (isRef(value)) {
            propertyDependencies[key] = [urnOfSpec(value.ref)];
        }
    }
    return { properties, propertyDependencies };
}

function describeResource(spec: Spec, properties: Record<string, unknown>): AnalyzedResource {
    return {
        type: spec.type,
        name: spec.name,
        urn: urnOfSpec(spec.name),
        properties,
        provider: spec.provider === "k8s" ? K8S_PROVIDER : spec.type.startsWith("aws:") ? AWS_PROVIDER : undefined,
    };
}

/** Analyze's view: the program's inputs, with outputs of other resources resolved as they are at preview. */
function inputsOf(spec: Spec): AnalyzedResource {
    return describeResource(spec, resolved(spec, "preview").properties);
}

/** AnalyzeStack's view: each resource's outputs, which for a v7 bucket include what AWS computes when left unset. */
function outputsOf(spec: Spec, phase: "preview" | "up"): AnalyzedResource {
    const { properties, propertyDependencies } = resolved(spec, phase);
    if (spec.type === "aws:s3/bucket:Bucket") {
        const locked = properties.objectLockEnabled === true;
        Object.assign(properties, phase === "preview"
            ? { id: UNKNOWN_STRING, arn: UNKNOWN_STRING, objectLockEnabled: properties.objectLockEnabled ?? UNKNOWN_BOOLEAN, objectLockConfiguration: UNKNOWN_OBJECT, versioning: UNKNOWN_OBJECT }
            : {
                id: properties.bucket,
                arn: `arn:aws:s3:::${String(properties.bucket)}`,
                objectLockEnabled: locked,
                objectLockConfiguration: locked ? { objectLockEnabled: "Enabled" } : undefined,
                versioning: { enabled: locked, mfaDelete: false },
            });
    } else if (properties.id === undefined) {
        properties.id = phase === "preview" ? UNKNOWN_STRING : `${spec.name}-id`;
    }
    const dependencies = Object.values(propertyDependencies).flat();
    return { ...describeResource(spec, JSON.parse(JSON.stringify(properties)) as Record<string, unknown>), dependencies, propertyDependencies };
}

const STACK_ROOT: AnalyzedResource = { type: "pulumi:pulumi:Stack", name: `${PROJECT}-${STACK}`, urn: urnOf("pulumi:pulumi:Stack", `${PROJECT}-${STACK}`, STACK, PROJECT), properties: {} };
const providerResources = [AWS_PROVIDER!, K8S_PROVIDER!].map((p) => ({ type: p.type, name: p.name, urn: p.urn, properties: p.properties }));

const summary = (diagnostics: ReturnedDiagnostic[]) =>
    diagnostics.map((d) => `${d.policyName} ${d.enforcementLevel} ${d.message.slice(0, d.message.indexOf(":"))}`).sort();

const EXPECTED_RESOURCE_DIAGNOSTICS = [
    "ecr-image-tags-immutable mandatory imageTagMutability of web-images (aws",
    "kubernetes-config-immutable mandatory immutable of ingest-credentials (kubernetes",
    "kubernetes-config-immutable mandatory provider of ingest-config (kubernetes",
    "storage-object-lock-required mandatory forceDestroy of scratch (aws",
    "storage-object-lock-required mandatory versioningConfiguration.status of exports-versioning (aws",
].sort();

const EXPECTED_STACK_DIAGNOSTICS = [
    `storage-object-lock-required-stack mandatory objectLockEnabled of reports (aws ${urnOfSpec("reports")}`,
    `storage-object-lock-required-stack mandatory scratch (aws ${urnOfSpec("scratch")}`,
    `vault-lock-required-stack mandatory completeLock of audit-archive-lock (aws ${urnOfSpec("audit-archive-lock")}`,
].sort();

describe("write-once storage over gRPC: a records platform's stack", function () {
    this.timeout(120000);
    let pack: PolicyPackProcess;
    packPerSuite((started) => (pack = started));

    it("refuses a scope that does not exist at Configure", async () => {
        await assert.rejects(
            pack.configure({ "storage-object-lock-required-stack": { enforcementLevel: "mandatory", scope: "tagged" } }),
            /storage-object-lock-required-stack\.scope must be equal to one of the allowed values/,
        );
    });

    it("accepts the shared retention keys on both halves", async () => {
        const retentionConfig = { minRetentionDays: 7, allowedModes: ["GOVERNANCE", "COMPLIANCE"] };
        await pack.configure({
            "storage-object-lock-required": { enforcementLevel: "mandatory", ...retentionConfig },
            "storage-object-lock-required-stack": { enforcementLevel: "mandatory", ...retentionConfig },
            "vault-lock-required-stack": { enforcementLevel: "mandatory", minRetentionDays: 30 },
        });
        await pack.configureStack({ stack: STACK, project: PROJECT, dryRun: true });
    });

    let resourceDiagnostics: ReturnedDiagnostic[] = [];

    it("at preview, Analyze reports what each resource shows by itself", async () => {
        assert.ok(SPECS.length >= 12);
        for (const spec of SPECS) {
            resourceDiagnostics.push(...await pack.analyze(inputsOf(spec)));
        }
        assert.deepEqual(summary(resourceDiagnostics), EXPECTED_RESOURCE_DIAGNOSTICS);
    });

    it("at preview, AnalyzeStack reports exactly the buckets and vaults that lack their lock", async () => {
        const stack = [STACK_ROOT, ...providerResources, ...SPECS.map((s) => outputsOf(s, "preview"))];
        const diagnostics = await pack.analyzeStack(stack);
        assert.deepEqual(diagnostics.map((d) => `${summary([d])[0]} ${d.urn}`).sort(), EXPECTED_STACK_DIAGNOSTICS);
        const [reports] = diagnostics.filter((d) => d.urn === urnOfSpec("reports"));
        assert.match(reports.message, /`new aws\.s3\.BucketObjectLockConfiguration\("reports-lock", \{ bucket: reports\.id, rule: \{ defaultRetention: \{ mode: "GOVERNANCE", days: 7 \} \} \}\);`/);
        const [scratch] = diagnostics.filter((d) => d.urn === urnOfSpec("scratch"));
        assert.match(scratch.message, /object lock is enabled at creation \(objectLockEnabled\) but no default retention rule exists anywhere in the stack/);
    });

    it("after `pulumi up`, with ids known, AnalyzeStack gives the same answer", async () => {
        await pack.configureStack({ stack: STACK, project: PROJECT, dryRun: false });
        const stack = [STACK_ROOT, ...providerResources, ...SPECS.map((s) => outputsOf(s, "up"))];
        const diagnostics = await pack.analyzeStack(stack);
        assert.deepEqual(diagnostics.map((d) => `${summary([d])[0]} ${d.urn}`).sort(), EXPECTED_STACK_DIAGNOSTICS);
    });

    it("never puts secret data in a diagnostic", () => {
        assert.doesNotMatch(JSON.stringify(resourceDiagnostics), /s3cr3t-pw-7781|BATCH_SIZE/);
    });
});
