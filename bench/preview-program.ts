import { ACCOUNT, awsTags, ECS_TASK_TRUST, ecrImage, FLAGGED, REGION } from "./generate-stack";

/**
 * Deterministic Pulumi programs for timing `pulumi preview`: the AWS and Kubernetes resources a
 * platform team's stack holds, written as plain JavaScript with the TypeScript runtime option off,
 * so that a preview's time is the engine's, the providers' and the policy packs', not ts-node's.
 * Every resource complies with immutable-guard's default config, as in a stack whose previews pass.
 */

export const PREVIEW_PROJECT = "bench-preview";

/** One `new <className>(name, args)` of the program. */
export interface Declaration {
    /** The JavaScript variable holding the resource. */
    variable: string;
    className: string;
    /** The type token the engine sees. */
    type: string;
    name: string;
    /** The arguments, as JavaScript source. */
    args: string;
    /** Variables of earlier declarations whose outputs the arguments read. */
    reads: string[];
}

type Build = (u: number, ref: (key: string) => string) => { name: string; args: string; reads: string[] };

function js(value: unknown): string {
    return JSON.stringify(value);
}

function tags(u: number, flagged: boolean): Record<string, string> {
    return awsTags(u, flagged ? FLAGGED : {});
}

/** One unit of the program, in dependency order: each entry reads outputs of entries before it only. */
const UNIT: Array<{ key: string; className: string; type: string; build: Build }> = [
    {
        key: "bucket",
        className: "aws.s3.Bucket",
        type: "aws:s3/bucket:Bucket",
        build: (u) => ({
            name: `data-${u}`,
            args: js({ bucket: `acme-bench-data-${u}`, objectLockEnabled: true, tags: tags(u, u % 4 === 0) }),
            reads: [],
        }),
    },
    {
        key: "versioning",
        className: "aws.s3.BucketVersioning",
        type: "aws:s3/bucketVersioning:BucketVersioning",
        build: (u, ref) => ({
            name: `data-${u}`,
            args: `{ bucket: ${ref("bucket")}.bucket, versioningConfiguration: { status: "Enabled" } }`,
            reads: [ref("bucket")],
        }),
    },
    {
        key: "objectLock",
        className: "aws.s3.BucketObjectLockConfiguration",
        type: "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
        build: (u, ref) => ({
            name: `data-${u}`,
            args: `{ bucket: ${ref("bucket")}.bucket, rule: ${js({ defaultRetention: { mode: u % 3 === 0 ? "COMPLIANCE" : "GOVERNANCE", days: 30 + (u % 5) * 30 } })} }`,
            reads: [ref("bucket")],
        }),
    },
    {
        key: "role",
        className: "aws.iam.Role",
        type: "aws:iam/role:Role",
        build: (u) => ({
            name: `app-${u}`,
            args: `{ name: ${js(`app-${u}-task`)}, assumeRolePolicy: ${js(JSON.stringify(ECS_TASK_TRUST))}, maxSessionDuration: 3600, tags: ${js(tags(u, false))} }`,
            reads: [],
        }),
    },
    {
        key: "policy",
        className: "aws.iam.Policy",
        type: "aws:iam/policy:Policy",
        // The document names the bucket through its output, as programs write it.
        build: (u, ref) => ({
            name: `app-${u}-data`,
            args: `{ name: ${js(`app-${u}-data`)}, path: "/service/", policy: ${ref("bucket")}.bucket.apply((name) => JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Sid: "ReadWriteData", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:ListBucket"], Resource: [\`arn:aws:s3:::\${name}\`, \`arn:aws:s3:::\${name}/*\`] },
            { Sid: "PullImages", Effect: "Allow", Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], Resource: ${js(`arn:aws:ecr:${REGION}:${ACCOUNT}:repository/app-${u}`)} },
        ],
    })), tags: ${js(tags(u, false))} }`,
            reads: [ref("bucket")],
        }),
    },
    {
        key: "attachment",
        className: "aws.iam.RolePolicyAttachment",
        type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        build: (u, ref) => ({
            name: `app-${u}-data`,
            args: `{ role: ${ref("role")}.name, policyArn: ${ref("policy")}.arn }`,
            reads: [ref("role"), ref("policy")],
        }),
    },
    {
        key: "repository",
        className: "aws.ecr.Repository",
        type: "aws:ecr/repository:Repository",
        build: (u) => ({
            name: `app-${u}`,
            args: js({ name: `app-${u}`, imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: true }, tags: tags(u, u % 5 === 0) }),
            reads: [],
        }),
    },
    {
        key: "configMap",
        className: "k8s.core.v1.ConfigMap",
        type: "kubernetes:core/v1:ConfigMap",
        build: (u) => ({
            name: `app-${u}-config`,
            args: js({
                metadata: { namespace: "shop", labels: { app: `app-${u}`, ...FLAGGED } },
                immutable: true,
                data: { "app.properties": `feature.search=true\ncache.ttl=${60 + (u % 240)}\n`, REGION },
            }),
            reads: [],
        }),
    },
    {
        key: "deployment",
        className: "k8s.apps.v1.Deployment",
        type: "kubernetes:apps/v1:Deployment",
        build: (u, ref) => {
            const labels = { app: `app-${u}` };
            return {
                name: `app-${u}`,
                args: `{
    metadata: { namespace: "shop", labels: ${js(labels)} },
    spec: {
        replicas: 3,
        selector: { matchLabels: ${js(labels)} },
        template: {
            metadata: { labels: ${js(labels)} },
            spec: {
                containers: [{
                    name: "app",
                    image: ${js(ecrImage(`app-${u}`, `1.${u % 40}.0`, true))},
                    ports: [{ name: "http", containerPort: 8080 }],
                    envFrom: [{ configMapRef: { name: ${ref("configMap")}.metadata.name } }],
                    resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } },
                }],
            },
        },
    },
}`,
                reads: [ref("configMap")],
            };
        },
    },
    {
        key: "service",
        className: "k8s.core.v1.Service",
        type: "kubernetes:core/v1:Service",
        build: (u, ref) => ({
            name: `app-${u}`,
            args: `{ metadata: { namespace: "shop" }, spec: { selector: ${ref("deployment")}.spec.selector.matchLabels, ports: [{ name: "http", port: 80, targetPort: "http" }] } }`,
            reads: [ref("deployment")],
        }),
    },
];

/** Resources in one unit of the mix; a program holds whole units, so every bucket has its lock. */
export const UNIT_SIZE = UNIT.length;

/** The program's resources: `size` of them, in whole units of the mix. */
export function previewDeclarations(size: number): Declaration[] {
    if (!Number.isInteger(size) || size <= 0 || size % UNIT_SIZE !== 0) {
        throw new Error(`a preview program holds a positive multiple of ${UNIT_SIZE} resources, not ${size}`);
    }
    const declarations: Declaration[] = [];
    for (let u = 0; u < size / UNIT_SIZE; u++) {
        const variables = new Map<string, string>();
        const ref = (key: string) => {
            const variable = variables.get(key);
            if (!variable) {
                throw new Error(`${key} is read before it is declared`);
            }
            return variable;
        };
        for (const { key, className, type, build } of UNIT) {
            const variable = `${key}${u}`;
            declarations.push({ variable, className, type, ...build(u, ref) });
            variables.set(key, variable);
        }
    }
    return declarations;
}

/** The files of the program's directory; `node_modules` is for the caller to provide. */
export function previewProgram(size: number): Record<string, string> {
    const body = previewDeclarations(size)
        .map((d) => `const ${d.variable} = new ${d.className}(${js(d.name)}, ${d.args});`)
        .join("\n");
    return {
        "Pulumi.yaml": [
            `name: ${PREVIEW_PROJECT}`,
            "description: A generated stack of AWS and Kubernetes resources whose previews the benchmark times.",
            "runtime:",
            "  name: nodejs",
            "  options:",
            "    typescript: false",
            "main: index.js",
            "config:",
            `  aws:region: ${REGION}`,
            "",
        ].join("\n"),
        "package.json": JSON.stringify({ name: PREVIEW_PROJECT, private: true, main: "index.js" }, null, 2) + "\n",
        "index.js": `"use strict";
// Generated by bench/preview-program.ts: ${size} resources.
const aws = require("@pulumi/aws");
const k8s = require("@pulumi/kubernetes");

${body}
`,
    };
}
