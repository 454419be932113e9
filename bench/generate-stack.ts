import { execFileSync, spawnSync } from "child_process";
import { createHash, createHmac } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { AnalyzedResource } from "../cli/analyzer-client";
import { DEFAULT_FLAG_RULES, flagOf } from "../rules/lib/flagging";
import { UNKNOWN_STRING } from "../rules/lib/unknowns";

/**
 * Deterministic stacks of realistic resources for the benchmark (and for anyone who needs a big
 * stack): the property bags the engine sends for a production-like program, whatever rules the
 * pack has. Most resources comply; a few in every hundred break a rule, as in a real preview.
 */

export const STACK = "bench";
export const PROJECT = "shop";
export const ACCOUNT = "123456789012";
export const REGION = "eu-west-1";

export type PackConfig = Record<string, Record<string, unknown>>;

export function urnOf(type: string, name: string): string {
    return `urn:pulumi:${STACK}::${PROJECT}::${type}::${name}`;
}

const STACK_URN = urnOf("pulumi:pulumi:Stack", `${PROJECT}-${STACK}`);
const AWS_PROVIDER = {
    type: "pulumi:providers:aws",
    name: "default_7_48_0",
    urn: urnOf("pulumi:providers:aws", "default_7_48_0"),
    properties: { region: REGION, version: "7.48.0", skipCredentialsValidation: "false" },
};
const K8S_PROVIDER = {
    type: "pulumi:providers:kubernetes",
    name: "prod-cluster",
    urn: urnOf("pulumi:providers:kubernetes", "prod-cluster"),
    properties: { context: "prod", namespace: "shop", version: "4.34.2", enableServerSideApply: "true" },
};

function digest(seed: string): string {
    return createHash("sha256").update(seed).digest("hex");
}

export function ecrImage(repository: string, tag: string, pinned: boolean): string {
    const image = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${repository}:${tag}`;
    return pinned ? `${image}@sha256:${digest(image)}` : image;
}

export function awsTags(u: number, extra: Record<string, string> = {}): Record<string, string> {
    return { team: ["payments", "search", "catalog", "checkout"][u % 4], env: "prod", "cost-center": `cc-${1000 + (u % 37)}`, ...extra };
}

export const FLAGGED = { immutable: "true" };

/** The trust policy of an ECS task role, limited to tasks of this account. */
export const ECS_TASK_TRUST = {
    Version: "2012-10-17",
    Statement: [{
        Effect: "Allow",
        Principal: { Service: "ecs-tasks.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
    }],
};

type Build = (u: number, urns: Map<string, string>) => Omit<AnalyzedResource, "urn">;

/** One unit of a production-like program; each entry depends only on entries before it. */
const UNIT: Array<{ key: string; build: Build }> = [
    {
        key: "bucket",
        build: (u) => ({
            type: "aws:s3/bucket:Bucket",
            name: `data-${u}`,
            properties: {
                bucket: `acme-data-${u}-${REGION}`,
                objectLockEnabled: u % 17 !== 5,
                forceDestroy: false,
                tags: awsTags(u, u % 10 === 0 ? FLAGGED : {}),
            },
        }),
    },
    {
        key: "bucketLock",
        build: (u, urns) => ({
            type: "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
            name: `data-${u}-lock`,
            properties: {
                bucket: u % 13 === 3 ? UNKNOWN_STRING : `acme-data-${u}-${REGION}`,
                objectLockEnabled: "Enabled",
                ...(u % 17 === 11 ? {} : { rule: { defaultRetention: { mode: u % 4 === 0 ? "GOVERNANCE" : "COMPLIANCE", days: 30 + (u % 5) * 30 } } }),
            },
            dependencies: [urns.get("bucket")!],
            propertyDependencies: { bucket: [urns.get("bucket")!] },
        }),
    },
    {
        key: "bucketVersioning",
        build: (u, urns) => ({
            type: "aws:s3/bucketVersioning:BucketVersioning",
            name: `data-${u}-versioning`,
            properties: {
                bucket: u % 13 === 3 ? UNKNOWN_STRING : `acme-data-${u}-${REGION}`,
                versioningConfiguration: { status: u % 19 === 7 ? "Suspended" : "Enabled" },
            },
            dependencies: [urns.get("bucket")!],
            propertyDependencies: { bucket: [urns.get("bucket")!] },
        }),
    },
    {
        key: "policy",
        build: (u) => {
            const statements: Record<string, unknown>[] = [
                {
                    Sid: "ReadData",
                    Effect: "Allow",
                    Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"],
                    Resource: [`arn:aws:s3:::acme-data-${u}-${REGION}`, `arn:aws:s3:::acme-data-${u}-${REGION}/*`],
                },
                { Sid: "SendEvents", Effect: "Allow", Action: "sqs:SendMessage", Resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:events-${u}` },
                {
                    Sid: "UseKey",
                    Effect: "Allow",
                    Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                    Resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${digest(`key-${u}`).slice(0, 8)}-0000-4000-8000-${digest(`key-${u}`).slice(8, 20)}`,
                },
            ];
            if (u % 9 === 4) {
                statements.push({ Sid: "Everything", Effect: "Allow", Action: "s3:*", Resource: "*" });
            }
            const document = { Version: "2012-10-17", Statement: statements };
            return {
                type: "aws:iam/policy:Policy",
                name: `app-${u}-access`,
                properties: {
                    name: `app-${u}-access`,
                    path: "/service/",
                    description: `Access of app-${u} to its data, queue and key`,
                    // Users write policies both ways: a JSON string (JSON.stringify) or a document object.
                    policy: u % 6 === 2 ? document : JSON.stringify(document),
                    tags: awsTags(u),
                },
            };
        },
    },
    {
        key: "role",
        build: (u) => ({
            type: "aws:iam/role:Role",
            name: `app-${u}-task`,
            properties: {
                name: `app-${u}-task`,
                description: `Task role of app-${u}`,
                maxSessionDuration: 3600,
                assumeRolePolicy: JSON.stringify(ECS_TASK_TRUST),
                inlinePolicies: [{
                    name: "logs",
                    policy: JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [{
                            Effect: "Allow",
                            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                            Resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/ecs/app-${u}:*`,
                        }],
                    }),
                }],
                tags: awsTags(u),
            },
        }),
    },
    {
        key: "attachment",
        build: (u, urns) => ({
            type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            name: `app-${u}-access`,
            properties: { role: `app-${u}-task`, policyArn: `arn:aws:iam::${ACCOUNT}:policy/service/app-${u}-access` },
            dependencies: [urns.get("role")!, urns.get("policy")!],
            propertyDependencies: { role: [urns.get("role")!], policyArn: [urns.get("policy")!] },
        }),
    },
    {
        key: "configMap",
        build: (u) => ({
            type: "kubernetes:core/v1:ConfigMap",
            name: `app-${u}-config`,
            properties: {
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: { name: `app-${u}-config`, namespace: "shop", labels: { app: `app-${u}`, ...FLAGGED } },
                immutable: u % 11 !== 6,
                data: { "app.properties": `feature.search=true\ncache.ttl=${60 + u % 240}\n`, REGION },
            },
        }),
    },
    {
        key: "deployment",
        build: (u, urns) => {
            const labels = { app: `app-${u}`, "app.kubernetes.io/part-of": PROJECT };
            return {
                type: "kubernetes:apps/v1:Deployment",
                name: `app-${u}`,
                properties: {
                    apiVersion: "apps/v1",
                    kind: "Deployment",
                    metadata: { name: `app-${u}`, namespace: "shop", labels },
                    spec: {
                        replicas: 3,
                        selector: { matchLabels: { app: `app-${u}` } },
                        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
                        template: {
                            metadata: { labels, annotations: { "prometheus.io/scrape": "true" } },
                            spec: {
                                serviceAccountName: `app-${u}`,
                                initContainers: [{ name: "migrate", image: ecrImage(`app-${u}-migrate`, `1.${u % 40}.0`, true), args: ["--up"] }],
                                containers: [
                                    {
                                        name: "app",
                                        image: ecrImage(`app-${u}`, `1.${u % 40}.0`, u % 7 !== 3),
                                        ports: [{ name: "http", containerPort: 8080 }],
                                        env: [{ name: "LOG_LEVEL", value: "info" }, { name: "CONFIG_PATH", value: "/etc/app/app.properties" }],
                                        envFrom: [{ configMapRef: { name: `app-${u}-config` } }],
                                        resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } },
                                        readinessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10 },
                                        securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
                                    },
                                    { name: "envoy", image: `public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod@sha256:${digest("envoy")}` },
                                ],
                            },
                        },
                    },
                },
                dependencies: [urns.get("configMap")!],
            };
        },
    },
    {
        key: "service",
        build: (u, urns) => ({
            type: "kubernetes:core/v1:Service",
            name: `app-${u}`,
            properties: {
                apiVersion: "v1",
                kind: "Service",
                metadata: { name: `app-${u}`, namespace: "shop", labels: { app: `app-${u}` } },
                spec: { type: "ClusterIP", selector: { app: `app-${u}` }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
            },
            dependencies: [urns.get("deployment")!],
        }),
    },
    {
        key: "taskDefinition",
        build: (u, urns) => ({
            type: "aws:ecs/taskDefinition:TaskDefinition",
            name: `worker-${u}`,
            properties: {
                family: `worker-${u}`,
                requiresCompatibilities: ["FARGATE"],
                networkMode: "awsvpc",
                cpu: "512",
                memory: "1024",
                executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`,
                taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/app-${u}-task`,
                containerDefinitions: JSON.stringify([
                    {
                        name: "worker",
                        image: ecrImage(`worker-${u}`, `2.${u % 30}.1`, u % 8 !== 5),
                        essential: true,
                        portMappings: [{ containerPort: 8080, protocol: "tcp" }],
                        environment: [{ name: "QUEUE_URL", value: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/events-${u}` }],
                        logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": `/ecs/app-${u}`, "awslogs-region": REGION, "awslogs-stream-prefix": "worker" } },
                    },
                    { name: "xray", image: `public.ecr.aws/xray/aws-xray-daemon:3.3.12@sha256:${digest("xray")}`, essential: false },
                ]),
                tags: awsTags(u),
            },
            dependencies: [urns.get("role")!],
            propertyDependencies: { taskRoleArn: [urns.get("role")!] },
        }),
    },
    {
        key: "ecsService",
        build: (u, urns) => ({
            type: "aws:ecs/service:Service",
            name: `worker-${u}`,
            properties: {
                name: `worker-${u}`,
                cluster: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/prod`,
                taskDefinition: `worker-${u}:${1 + u % 12}`,
                desiredCount: 2,
                launchType: "FARGATE",
                networkConfiguration: { subnets: ["subnet-0a1b2c3d", "subnet-4e5f6a7b"], securityGroups: [`sg-${digest(`sg-${u}`).slice(0, 17)}`], assignPublicIp: false },
                tags: awsTags(u),
            },
            dependencies: [urns.get("taskDefinition")!],
            propertyDependencies: { taskDefinition: [urns.get("taskDefinition")!] },
        }),
    },
    {
        key: "database",
        build: (u) => ({
            type: "aws:rds/instance:Instance",
            name: `orders-${u}`,
            properties: {
                identifier: `orders-${u}`,
                engine: "postgres",
                engineVersion: "16.3",
                instanceClass: "db.t4g.medium",
                allocatedStorage: 100,
                storageType: "gp3",
                storageEncrypted: true,
                dbName: "orders",
                username: "orders",
                manageMasterUserPassword: true,
                multiAz: true,
                backupRetentionPeriod: 14,
                deletionProtection: true,
                dbSubnetGroupName: "prod-private",
                vpcSecurityGroupIds: [`sg-${digest(`db-${u}`).slice(0, 17)}`],
                tags: awsTags(u, FLAGGED),
            },
            options: { protect: true },
        }),
    },
    {
        key: "table",
        build: (u) => ({
            type: "aws:dynamodb/table:Table",
            name: `sessions-${u}`,
            properties: {
                name: `sessions-${u}`,
                billingMode: "PAY_PER_REQUEST",
                hashKey: "pk",
                rangeKey: "sk",
                attributes: [{ name: "pk", type: "S" }, { name: "sk", type: "S" }],
                pointInTimeRecovery: { enabled: true },
                serverSideEncryption: { enabled: true },
                ttl: { attributeName: "expiresAt", enabled: true },
                tags: awsTags(u, FLAGGED),
            },
        }),
    },
    {
        key: "repository",
        build: (u) => ({
            type: "aws:ecr/repository:Repository",
            name: `app-${u}`,
            properties: {
                name: `app-${u}`,
                imageTagMutability: u % 10 === 7 ? "MUTABLE" : "IMMUTABLE",
                imageScanningConfiguration: { scanOnPush: true },
                encryptionConfigurations: [{ encryptionType: "KMS" }],
                tags: awsTags(u),
            },
        }),
    },
    {
        key: "vault",
        build: (u) => ({
            type: "aws:backup/vault:Vault",
            name: `backups-${u}`,
            properties: { name: `backups-${u}`, kmsKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/backups`, tags: awsTags(u, FLAGGED) },
        }),
    },
    {
        key: "vaultLock",
        build: (u, urns) => ({
            type: "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
            name: `backups-${u}-lock`,
            properties: { backupVaultName: `backups-${u}`, minRetentionDays: 7, maxRetentionDays: 365, changeableForDays: 3 },
            dependencies: [urns.get("vault")!],
            propertyDependencies: { backupVaultName: [urns.get("vault")!] },
        }),
    },
    {
        key: "rbacRole",
        build: (u) => ({
            type: "kubernetes:rbac.authorization.k8s.io/v1:Role",
            name: `app-${u}-reader`,
            properties: {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "Role",
                metadata: { name: `app-${u}-reader`, namespace: "shop" },
                rules: [
                    { apiGroups: [""], resources: ["configmaps"], verbs: u % 10 === 9 ? ["*"] : ["get", "list", "watch"] },
                    { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get"] },
                ],
            },
        }),
    },
    {
        key: "function",
        build: (u, urns) => ({
            type: "aws:lambda/function:Function",
            name: `thumbnails-${u}`,
            properties: {
                name: `thumbnails-${u}`,
                packageType: "Image",
                imageUri: ecrImage(`thumbnails-${u}`, `0.${u % 20}.3`, true),
                role: `arn:aws:iam::${ACCOUNT}:role/app-${u}-task`,
                timeout: 30,
                memorySize: 512,
                architectures: ["arm64"],
                environment: { variables: { LOG_LEVEL: "info", BUCKET: `acme-data-${u}-${REGION}` } },
                tags: awsTags(u),
            },
            dependencies: [urns.get("role")!, urns.get("bucket")!],
        }),
    },
    {
        key: "logGroup",
        build: (u) => ({
            type: "aws:cloudwatch/logGroup:LogGroup",
            name: `app-${u}`,
            properties: { name: `/ecs/app-${u}`, retentionInDays: 30, tags: awsTags(u) },
        }),
    },
    {
        key: "key",
        build: (u) => ({
            type: "aws:kms/key:Key",
            name: `app-${u}`,
            properties: {
                description: `Data key of app-${u}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }],
                }),
                tags: awsTags(u, FLAGGED),
            },
        }),
    },
];

/** Kinds whose `allocatedStorage` a later preview changes: flagged resources that drifted from the lock. */
function drifts(key: string, u: number): boolean {
    return key === "database" && u % 25 === 24;
}

export interface GeneratedStack {
    resources: AnalyzedResource[];
    /** The inputs recorded when the stack was last deployed, for resources the preview changes. */
    deployedInputs: Map<string, Record<string, unknown>>;
}

/** A stack of exactly `size` resources: the stack, its two providers, then units of the program. */
export function generateStack(size: number): GeneratedStack {
    const resources: AnalyzedResource[] = [
        { type: "pulumi:pulumi:Stack", name: `${PROJECT}-${STACK}`, urn: STACK_URN, properties: {} },
        { type: AWS_PROVIDER.type, name: AWS_PROVIDER.name, urn: AWS_PROVIDER.urn, properties: AWS_PROVIDER.properties, parent: STACK_URN },
        { type: K8S_PROVIDER.type, name: K8S_PROVIDER.name, urn: K8S_PROVIDER.urn, properties: K8S_PROVIDER.properties, parent: STACK_URN },
    ].slice(0, size);
    const deployedInputs = new Map<string, Record<string, unknown>>();
    for (let u = 0; resources.length < size; u++) {
        const urns = new Map<string, string>();
        for (const { key, build } of UNIT) {
            if (resources.length >= size) {
                break;
            }
            const built = build(u, urns);
            const urn = urnOf(built.type, built.name);
            urns.set(key, urn);
            const provider = built.type.startsWith("kubernetes:") ? K8S_PROVIDER : AWS_PROVIDER;
            const resource: AnalyzedResource = {
                ...built,
                urn,
                parent: STACK_URN,
                provider,
                options: { ...built.options, parent: STACK_URN },
            };
            if (drifts(key, u)) {
                deployedInputs.set(urn, resource.properties);
                resource.properties = { ...resource.properties, allocatedStorage: 200 };
            }
            resources.push(resource);
        }
    }
    return { resources, deployedInputs };
}

/** What each core policy typically sees, plus a resource no policy acts on, from unit 1 of the program. */
export const TYPICAL_RESOURCES: ReadonlyArray<{ label: string; policy?: string; type: string; name: string }> = [
    { label: "flagged RDS instance (locked)", policy: "immutable-no-in-place-update", type: "aws:rds/instance:Instance", name: "orders-1" },
    { label: "S3 bucket with object lock", policy: "storage-object-lock-required", type: "aws:s3/bucket:Bucket", name: "data-1" },
    { label: "IAM policy (JSON string)", policy: "iam-no-wildcard-grants", type: "aws:iam/policy:Policy", name: "app-1-access" },
    { label: "Deployment (2 images + init)", policy: "container-image-digest-required", type: "kubernetes:apps/v1:Deployment", name: "app-1" },
    { label: "log group (no policy applies)", type: "aws:cloudwatch/logGroup:LogGroup", name: "app-1" },
];

export function typicalResources(stack: GeneratedStack): Array<{ label: string; policy?: string; resource: AnalyzedResource }> {
    return TYPICAL_RESOURCES.map(({ label, policy, type, name }) => {
        const resource = stack.resources.find((r) => r.urn === urnOf(type, name));
        if (!resource) {
            throw new Error(`the generated stack is too small to hold ${type}::${name}`);
        }
        return { label, policy, resource };
    });
}

/** The stack as `pulumi stack export` prints it after the last deployment (what `immutable-guard lock` reads). */
export function stackExport(stack: GeneratedStack): Record<string, unknown> {
    const providerRef = (r: AnalyzedResource) => (r.provider ? `${r.provider.urn}::${digest(r.provider.urn).slice(0, 36)}` : undefined);
    return {
        version: 3,
        deployment: {
            manifest: { time: "2025-01-01T00:00:00Z", magic: digest("magic"), version: "v3.200.0" },
            resources: stack.resources.map((r) => {
                const inputs = stack.deployedInputs.get(r.urn) ?? r.properties;
                const custom = r.type !== "pulumi:pulumi:Stack";
                return {
                    urn: r.urn,
                    custom,
                    ...(custom ? { id: r.name } : {}),
                    type: r.type,
                    // The engine records the provider's defaults among the inputs; they are not user inputs.
                    inputs: custom ? { ...inputs, __defaults: [] } : {},
                    outputs: custom ? { ...inputs, id: r.name } : {},
                    ...(r.parent ? { parent: r.parent } : {}),
                    ...(custom && !r.type.startsWith("pulumi:providers:") ? { provider: providerRef(r) } : {}),
                    ...(r.options?.protect ? { protect: true } : {}),
                    dependencies: r.dependencies ?? [],
                    propertyDependencies: r.propertyDependencies ?? {},
                };
            }),
        },
    };
}

export const LOCK_POLICY = "immutable-no-in-place-update";

export type LockSource = "immutable-guard lock" | "contract shape" | "none";

/** The pack's compiled command line, when it has the `lock` command. */
function lockCommand(packDir: string): string | undefined {
    const main = path.join(packDir, "bin", "cli", "main.js");
    if (!fs.existsSync(main)) {
        return undefined;
    }
    const usage = spawnSync(process.execPath, [main, "help"], { encoding: "utf8" }).stdout ?? "";
    return /immutable-guard lock\b/.test(usage) ? main : undefined;
}

/**
 * The lock as the contract describes it, for a pack that has the policy but not yet the command:
 * per flagged resource its URN, type and a salted fingerprint of each input.
 */
function contractShapeLock(stack: GeneratedStack): Record<string, unknown> {
    const salt = digest("bench-salt").slice(0, 32);
    const flagged = stack.resources.filter((r) => flagOf({ type: r.type, urn: r.urn, props: r.properties }, DEFAULT_FLAG_RULES).flagged === true);
    return {
        version: 1,
        salt,
        resources: flagged.map((r) => ({
            urn: r.urn,
            type: r.type,
            inputs: Object.fromEntries(Object.entries(stack.deployedInputs.get(r.urn) ?? r.properties).map(([k, v]) =>
                [k, createHmac("sha256", salt).update(JSON.stringify(v)).digest("hex")])),
        })),
    };
}

/**
 * The policy-pack config a team would deploy this stack with: the lock of its flagged resources,
 * made by the pack's own `immutable-guard lock` when it has one. A pack without the
 * `immutable-no-in-place-update` policy gets no lock, since Configure refuses config for a policy
 * the pack does not have.
 */
export function packConfigFor(stack: GeneratedStack, policies: readonly string[], packDir: string): { config: PackConfig; lockSource: LockSource } {
    if (!policies.includes(LOCK_POLICY)) {
        return { config: {}, lockSource: "none" };
    }
    const main = lockCommand(packDir);
    if (!main) {
        return { config: { [LOCK_POLICY]: { lock: contractShapeLock(stack) } }, lockSource: "contract shape" };
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ig-bench-lock-"));
    try {
        const exportFile = path.join(dir, "stack-export.json");
        const lockFile = path.join(dir, "lock.json");
        fs.writeFileSync(exportFile, JSON.stringify(stackExport(stack)));
        execFileSync(process.execPath, [main, "lock", exportFile, "--out", lockFile], { stdio: ["ignore", "ignore", "pipe"] });
        return { config: JSON.parse(fs.readFileSync(lockFile, "utf8")) as PackConfig, lockSource: "immutable-guard lock" };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
