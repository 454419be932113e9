/**
 * The test providers (e2e/providers) under the real Pulumi CLI: a program using both is previewed and
 * deployed with a local file backend, and the checked inputs, state, diffs and secrets the engine
 * records are compared with what the real aws and kubernetes providers produce.
 */
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const REPO = path.resolve(__dirname, "..");
const PROVIDERS_BIN = path.join(REPO, "e2e", "providers", "bin");
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const GATEWAY_KEY = "FAKE-gateway-key-5e0c1d7a-not-a-real-secret";
const INGEST_TOKEN = "FAKE-ingest-token-93b7a2c4-not-a-real-secret";

/** The directory of the Pulumi CLI: named by the environment, else the one on PATH, else the CI build's. */
function pulumiBinDir(): string {
    const named = process.env.IMMUTABLE_GUARD_PULUMI_BIN ?? process.env.PULUMI_BIN_DIR;
    if (named) {
        return named;
    }
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        if (dir && fs.existsSync(path.join(dir, "pulumi")) && path.resolve(dir) !== PROVIDERS_BIN) {
            return dir;
        }
    }
    return "/tmp/pb/out";
}

const PROGRAM = `
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();

export const auditLogs = new aws.s3.Bucket("audit-logs", {
    bucket: config.get("bucketName"),
    objectLockEnabled: true,
    tags: { immutable: "true", team: config.get("team") ?? "security" },
});
const images = new aws.ecr.Repository("images", {
    imageTagMutability: "IMMUTABLE",
    imageScanningConfiguration: { scanOnPush: true },
});
const trust = aws.iam.getPolicyDocumentOutput({
    statements: [{ actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }] }],
});
const ingestRole = new aws.iam.Role("ingest", { assumeRolePolicy: trust.json });
new aws.iam.Policy("append-records", {
    policy: {
        Version: "2012-10-17",
        Statement: [{ Sid: "Append", Effect: "Allow", Action: ["s3:PutObject"], Resource: [pulumi.interpolate\`\${auditLogs.arn}/records/*\`] }],
    },
});
new aws.lambda.Function("ingest", {
    packageType: "Image",
    imageUri: pulumi.interpolate\`\${images.repositoryUrl}@sha256:${"4f".repeat(32)}\`,
    role: ingestRole.arn,
    environment: { variables: { BUCKET: auditLogs.bucket, TOKEN: pulumi.secret("${INGEST_TOKEN}") } },
});

new k8s.core.v1.ConfigMap("settings", {
    metadata: { labels: { immutable: "true" } },
    immutable: true,
    data: { CURRENCY: config.get("currency") ?? "EUR" },
});
new k8s.core.v1.Secret("gateway", {
    metadata: { labels: { immutable: "true" } },
    immutable: true,
    stringData: { apiKey: "${GATEWAY_KEY}" },
});
const app = config.get("app") ?? "checkout";
new k8s.apps.v1.Deployment("checkout", {
    spec: {
        replicas: config.getNumber("replicas") ?? 2,
        selector: { matchLabels: { app } },
        template: {
            metadata: { labels: { app } },
            spec: { containers: [{ name: "checkout", image: "ghcr.io/acme/checkout@sha256:${"1d".repeat(32)}" }] },
        },
    },
});
`;

/** A policy pack that records what the engine sends to Analyze and AnalyzeStack, unknowns included. */
const PROBE_PACK = `
const { PolicyPack } = require("@pulumi/policy");
const fs = require("fs");
const plain = (props) => props.__getSpecialProxyTarget || props;
const record = (entry) => fs.appendFileSync(process.env.PROBE_OUT, JSON.stringify(entry) + "\\n");
new PolicyPack("probe", {
    policies: [
        { name: "probe-analyze", description: "records Analyze", enforcementLevel: "advisory",
          validateResource: (args) => record({ call: "Analyze", urn: args.urn, props: plain(args.props) }) },
        { name: "probe-analyze-stack", description: "records AnalyzeStack", enforcementLevel: "advisory",
          validateStack: (args) => args.resources.forEach((r) => record({ call: "AnalyzeStack", urn: r.urn, props: plain(r.props) })) },
    ],
});
`;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Bag = { [key: string]: Json };

interface StateResource {
    urn: string;
    type: string;
    id?: string;
    inputs?: Bag;
    outputs?: Bag;
}

interface PreviewStep {
    op: string;
    urn: string;
    replaceReasons?: string[];
    detailedDiff?: Record<string, { kind: string }>;
}

interface Probe {
    call: "Analyze" | "AnalyzeStack";
    urn: string;
    props: Bag;
}

class Stack {
    readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "ig-providers-"));
    readonly dir = path.join(this.root, "program");
    readonly env: NodeJS.ProcessEnv;

    constructor() {
        fs.mkdirSync(path.join(this.root, "state"));
        this.env = {
            ...process.env,
            PATH: [PROVIDERS_BIN, pulumiBinDir(), process.env.PATH ?? ""].join(path.delimiter),
            PULUMI_HOME: path.join(this.root, "home"),
            PULUMI_BACKEND_URL: `file://${path.join(this.root, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: "",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            NO_COLOR: "1",
        };
        fs.mkdirSync(this.dir);
        fs.writeFileSync(path.join(this.dir, "Pulumi.yaml"), "name: test-providers\nruntime: nodejs\n");
        fs.writeFileSync(path.join(this.dir, "package.json"), JSON.stringify({ name: "test-providers", main: "index.ts" }));
        fs.writeFileSync(path.join(this.dir, "index.ts"), PROGRAM);
        fs.symlinkSync(path.join(REPO, "node_modules"), path.join(this.dir, "node_modules"), "dir");
    }

    run(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
        return new Promise((resolve, reject) => {
            const child = spawn("pulumi", [...args, "--non-interactive"], { cwd: this.dir, env: { ...this.env, ...extraEnv } });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
            child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
            child.on("error", reject);
            child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
        });
    }

    async must(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<string> {
        const result = await this.run(args, extraEnv);
        assert.strictEqual(result.code, 0, `pulumi ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
        return result.stdout;
    }

    async export(showSecrets = false): Promise<{ text: string; resources: StateResource[] }> {
        const text = await this.must(["stack", "export", ...(showSecrets ? ["--show-secrets"] : [])]);
        return { text, resources: (JSON.parse(text) as { deployment: { resources: StateResource[] } }).deployment.resources };
    }

    async previewSteps(): Promise<PreviewStep[]> {
        return (JSON.parse(await this.must(["preview", "--json"])) as { steps: PreviewStep[] }).steps;
    }

    /** A preview with a policy pack recording what the engine hands to policies. */
    async probe(): Promise<Probe[]> {
        const pack = path.join(this.root, "probe-pack");
        fs.mkdirSync(pack, { recursive: true });
        fs.writeFileSync(path.join(pack, "PulumiPolicy.yaml"), "runtime: nodejs\n");
        fs.writeFileSync(path.join(pack, "package.json"), JSON.stringify({ name: "probe", version: "0.0.1", main: "index.js" }));
        fs.writeFileSync(path.join(pack, "index.js"), PROBE_PACK);
        if (!fs.existsSync(path.join(pack, "node_modules"))) {
            fs.symlinkSync(path.join(REPO, "node_modules"), path.join(pack, "node_modules"), "dir");
        }
        const out = path.join(this.root, `probe-${Date.now()}.jsonl`);
        await this.must(["preview", "--policy-pack", pack], { PROBE_OUT: out });
        return fs
            .readFileSync(out, "utf8")
            .split("\n")
            .filter((line) => line)
            .map((line) => JSON.parse(line) as Probe);
    }

    dispose(): void {
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}

function named(resources: { urn: string }[], name: string): number {
    const index = resources.findIndex((r) => r.urn.endsWith(`::${name}`));
    assert.ok(index >= 0, `no resource ${name} in ${resources.map((r) => r.urn).join(", ")}`);
    return index;
}

function resource(resources: StateResource[], type: string, name: string): StateResource {
    const found = resources.find((r) => r.type === type && r.urn.endsWith(`::${name}`));
    assert.ok(found, `no ${type} ${name} in the state`);
    return found;
}

function isSecret(value: Json | undefined): boolean {
    return typeof value === "object" && value !== null && !Array.isArray(value) && SECRET_SIG in value;
}

/** The step of a resource that says what happens to it (a replacement's create and delete halves are left out). */
function step(steps: PreviewStep[], name: string): PreviewStep {
    const decisive = steps.filter((s) => !["create-replacement", "delete-replaced", "discard-replaced"].includes(s.op));
    return decisive[named(decisive, name)];
}

describe("test providers under the real Pulumi CLI", function () {
    this.timeout(600_000);
    let stack: Stack;

    before(async function () {
        const bin = pulumiBinDir();
        assert.ok(fs.existsSync(path.join(bin, "pulumi")), `no Pulumi CLI in ${bin}; set PULUMI_BIN_DIR`);
        stack = new Stack();
        await stack.must(["stack", "init", "dev"]);
        await stack.must(["config", "set", "aws:region", "eu-west-1"]);
    });

    after(() => stack?.dispose());

    describe("a first preview", function () {
        let probes: Probe[];
        before(async () => (probes = await stack.probe()));

        const analyzed = (call: Probe["call"], name: string) => {
            const found = probes.find((p) => p.call === call && p.urn.endsWith(`::${name}`));
            assert.ok(found, `${call} did not receive ${name}`);
            return found.props;
        };

        it("hands Analyze the checked inputs, auto-names included, without the top-level __defaults", () => {
            const bucket = analyzed("Analyze", "audit-logs");
            assert.match(String(bucket.bucket), /^audit-logs-[0-9a-f]{7}$/);
            assert.deepStrictEqual(bucket.tagsAll, { immutable: "true", team: "security" });
            assert.strictEqual(bucket.region, "eu-west-1");
            assert.ok(!("__defaults" in bucket));
            const settings = analyzed("Analyze", "settings");
            assert.match(String((settings.metadata as Bag).name), /^settings-[0-9a-f]{8}$/);
        });

        it("hands AnalyzeStack a new resource's computed outputs as unknown", () => {
            const bucket = analyzed("AnalyzeStack", "audit-logs");
            assert.strictEqual(bucket.arn, UNKNOWN);
            assert.strictEqual(bucket.forceDestroy, false, "a Terraform default is known at preview");
            const settings = analyzed("AnalyzeStack", "settings");
            assert.strictEqual((settings.metadata as Bag).uid, UNKNOWN);
            assert.strictEqual((settings.metadata as Bag).namespace, "default");
        });
    });

    describe("after pulumi up", function () {
        let state: { text: string; resources: StateResource[] };
        before(async () => {
            await stack.must(["up", "--yes", "--skip-preview"]);
            state = await stack.export();
        });

        it("records an S3 bucket's checked inputs as pulumi-aws does: auto-name, __defaults, tagsAll, region", () => {
            const bucket = resource(state.resources, "aws:s3/bucket:Bucket", "audit-logs");
            const inputs = bucket.inputs ?? {};
            assert.match(String(inputs.bucket), /^audit-logs-[0-9a-f]{7}$/);
            assert.deepStrictEqual(inputs.__defaults, ["bucket"]);
            assert.deepStrictEqual(inputs.tagsAll, inputs.tags);
            assert.strictEqual(inputs.region, "eu-west-1");
            assert.ok(!("forceDestroy" in inputs), "the bridge leaves out an omitted false default");
            assert.strictEqual(bucket.id, inputs.bucket);
            assert.strictEqual(bucket.outputs?.arn, `arn:aws:s3:::${inputs.bucket}`);
            assert.strictEqual(bucket.outputs?.forceDestroy, false);
        });

        it("fills non-falsy Terraform defaults and marks nested blocks with their own __defaults", () => {
            const repository = resource(state.resources, "aws:ecr/repository:Repository", "images").inputs ?? {};
            assert.deepStrictEqual(repository.imageScanningConfiguration, { __defaults: [], scanOnPush: true });
            assert.deepStrictEqual(repository.__defaults, ["name"]);
            const role = resource(state.resources, "aws:iam/role:Role", "ingest").inputs ?? {};
            assert.strictEqual(role.path, "/");
            assert.strictEqual(role.maxSessionDuration, 3600);
            assert.deepStrictEqual(role.__defaults, ["maxSessionDuration", "name", "path"]);
            const lambda = resource(state.resources, "aws:lambda/function:Function", "ingest").inputs ?? {};
            assert.strictEqual(lambda.memorySize, 128);
            assert.strictEqual(lambda.timeout, 3);
        });

        it("stores policy documents written as objects as JSON strings with sorted keys", () => {
            const policy = resource(state.resources, "aws:iam/policy:Policy", "append-records").inputs ?? {};
            assert.strictEqual(typeof policy.policy, "string");
            assert.ok(String(policy.policy).startsWith('{"Statement":[{"Action":["s3:PutObject"],"Effect":"Allow","Resource":["arn:aws:s3:::audit-logs-'));
            const role = resource(state.resources, "aws:iam/role:Role", "ingest").inputs ?? {};
            assert.deepStrictEqual(JSON.parse(String(role.assumeRolePolicy)).Statement[0].Principal, { Service: "lambda.amazonaws.com" });
        });

        it("records Kubernetes objects as pulumi-kubernetes does: auto-name annotation, default namespace, __inputs", () => {
            const settings = resource(state.resources, "kubernetes:core/v1:ConfigMap", "settings");
            const metadata = settings.inputs?.metadata as Bag;
            assert.match(String(metadata.name), /^settings-[0-9a-f]{8}$/);
            assert.deepStrictEqual(metadata.annotations, { "pulumi.com/autonamed": "true" });
            assert.ok(!("namespace" in metadata), "the namespace is not an input unless the provider sets a default");
            assert.strictEqual((settings.outputs?.metadata as Bag).namespace, "default");
            assert.strictEqual(settings.id, `default/${metadata.name}`);
            assert.deepStrictEqual(settings.outputs?.__inputs, settings.inputs);
        });

        it("keeps secret inputs secret in inputs and outputs, and a Secret's stringData becomes its data", async () => {
            const gateway = resource(state.resources, "kubernetes:core/v1:Secret", "gateway");
            assert.ok(isSecret(gateway.inputs?.data) && isSecret(gateway.outputs?.data));
            assert.ok(!("stringData" in (gateway.inputs ?? {})));
            const lambda = resource(state.resources, "aws:lambda/function:Function", "ingest");
            for (const bag of [lambda.inputs, lambda.outputs]) {
                const variables = (bag?.environment as Bag).variables as Bag;
                assert.ok(isSecret(variables.TOKEN) && !isSecret(variables.BUCKET), JSON.stringify(variables));
            }
            for (const plaintext of [GATEWAY_KEY, INGEST_TOKEN, Buffer.from(GATEWAY_KEY).toString("base64")]) {
                assert.ok(!state.text.includes(plaintext), "a secret is in plaintext in the export");
            }
            const revealed = await stack.export(true);
            // --show-secrets keeps the secret envelope and puts the value, as JSON, under `plaintext`.
            const data = resource(revealed.resources, "kubernetes:core/v1:Secret", "gateway").inputs?.data as Bag;
            assert.deepStrictEqual(JSON.parse(String(data.plaintext)), { apiKey: Buffer.from(GATEWAY_KEY).toString("base64") });
        });

        it("shows no change in the next preview: auto-names are kept", async () => {
            const steps = await stack.previewSteps();
            assert.deepStrictEqual(
                steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.urn}`),
                [],
            );
        });

        it("updates in place for a changed tag or replica count", async () => {
            await stack.must(["config", "set", "team", "platform"]);
            await stack.must(["config", "set", "replicas", "3"]);
            const steps = await stack.previewSteps();
            await stack.must(["config", "rm", "team"]);
            await stack.must(["config", "rm", "replicas"]);
            const bucket = step(steps, "audit-logs");
            assert.strictEqual(bucket.op, "update");
            assert.deepStrictEqual(bucket.detailedDiff, { "tags.team": { kind: "update", inputDiff: true }, "tagsAll.team": { kind: "update", inputDiff: true } });
            const deployment = step(steps, "checkout");
            assert.strictEqual(deployment.op, "update");
            assert.deepStrictEqual(Object.keys(deployment.detailedDiff ?? {}), ["spec.replicas"]);
        });

        it("replaces for a new bucket name, a new Deployment selector and new data of an immutable ConfigMap", async () => {
            await stack.must(["config", "set", "bucketName", "acme-audit-logs-renamed"]);
            await stack.must(["config", "set", "app", "checkout-v2"]);
            await stack.must(["config", "set", "currency", "USD"]);
            const steps = await stack.previewSteps();
            for (const key of ["bucketName", "app", "currency"]) {
                await stack.must(["config", "rm", key]);
            }
            assert.strictEqual(step(steps, "audit-logs").op, "replace");
            assert.deepStrictEqual(step(steps, "audit-logs").replaceReasons, ["bucket"]);
            assert.strictEqual(step(steps, "checkout").op, "replace");
            assert.ok(step(steps, "checkout").replaceReasons?.includes("spec.selector.matchLabels.app"));
            assert.strictEqual(step(steps, "settings").op, "replace");
            assert.deepStrictEqual(step(steps, "settings").replaceReasons, ["data.CURRENCY"]);
        });
    });
});
