import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SECRET_SIGNATURE, type PolicyDescription } from "../cli/analyzer-client";
import { analyzedStack, type CapturedResource } from "../cli/dry-run/captured-stack";
import { renderPolicyDocument, simulateDataSource } from "../cli/dry-run/data-sources";
import { asAnalyzerSees, describeProgramError } from "../cli/dry-run/program-host";
import { loadProject, parseConfigValues, programDirectories, ProgramError, SECURE_PLACEHOLDER } from "../cli/dry-run/project";
import { UsageError } from "../cli/command-line";
import { parsePolicyPackConfig, reconcilePolicyPackConfig, settingsWithLevels } from "../cli/policy-config";
import { UNKNOWN_STRING } from "../rules/lib/unknowns";

const STACK_URN = "urn:pulumi:dev::shop::pulumi:pulumi:Stack::shop-dev";

function registered(type: string, name: string, overrides: Partial<CapturedResource> = {}): CapturedResource {
    return {
        type,
        name,
        urn: `urn:pulumi:dev::shop::pulumi:pulumi:Stack$${type}::${name}`,
        custom: true,
        parent: STACK_URN,
        provider: "",
        version: "",
        properties: {},
        protect: false,
        ignoreChanges: [],
        aliases: [],
        dependencies: [],
        propertyDependencies: {},
        ...overrides,
    };
}

function tempProgram(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ig-program-"));
    for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
    }
    return dir;
}

describe("dry run", () => {
    describe("reading a program directory", () => {
        it("reads the project, its single stack file and the stack's config as the SDK expects it", () => {
            const dir = tempProgram({
                "Pulumi.yaml": "name: shop\nruntime: nodejs\ndescription: The shop.\nconfig:\n  replicas:\n    default: 2\n",
                "Pulumi.prod.yaml": "config:\n  aws:region: eu-west-1\n  shop:dbPassword:\n    secure: v1:AAAA\n  shop:tags:\n    team: payments\n",
                "index.ts": "export {};\n",
            });
            const project = loadProject(dir);
            assert.equal(project.project, "shop");
            assert.equal(project.stack, "prod");
            assert.equal(project.description, "The shop.");
            assert.equal(project.entry, path.join(dir, "index.ts"));
            assert.deepEqual(project.config, {
                "shop:replicas": "2",
                "aws:region": "eu-west-1",
                "shop:dbPassword": SECURE_PLACEHOLDER,
                "shop:tags": "{\"team\":\"payments\"}",
            });
            assert.deepEqual(project.secretKeys, ["shop:dbPassword"]);
        });

        it("uses the stack named on the command line, else dev when there is no single stack file", () => {
            const dir = tempProgram({ "Pulumi.yaml": "name: shop\nruntime: nodejs\n", "index.ts": "" });
            assert.equal(loadProject(dir).stack, "dev");
            assert.equal(loadProject(dir, "staging").stack, "staging");
        });

        it("finds policy-config.json beside the program as its default config", () => {
            const dir = tempProgram({ "Pulumi.yaml": "name: shop\nruntime: nodejs\n", "index.ts": "", "policy-config.json": "{}" });
            assert.equal(loadProject(dir).policyConfigFile, path.join(dir, "policy-config.json"));
        });

        it("follows `main` to the program's entry file", () => {
            const dir = tempProgram({ "Pulumi.yaml": "name: shop\nruntime: nodejs\nmain: src/\n", "src/index.ts": "" });
            assert.equal(loadProject(dir).entry, path.join(dir, "src", "index.ts"));
        });

        it("lets --config-value set stack config over the stack file, in the project's namespace when the key has none", () => {
            const dir = tempProgram({
                "Pulumi.yaml": "name: shop\nruntime: nodejs\n",
                "Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n  shop:dbPassword:\n    secure: v1:AAAA\n",
                "index.ts": "",
            });
            const project = loadProject(dir, undefined, parseConfigValues(["aws:region=eu-central-1", "bucketName=acme=records", "dbPassword=s3cr3t", "other:flag="]));
            assert.deepEqual(project.config, {
                "aws:region": "eu-central-1",
                "shop:dbPassword": "s3cr3t",
                "shop:bucketName": "acme=records",
                "other:flag": "",
            });
            assert.deepEqual(project.secretKeys, ["shop:dbPassword"], "a value the stack keeps secure stays secret");
        });

        it("refuses a --config-value that is not key=value, without echoing it", () => {
            assert.throws(() => parseConfigValues(["hunter2"]), (e: Error) => e instanceof UsageError && /one has no =/.test(e.message) && !e.message.includes("hunter2"));
            for (const bad of ["=value", ":region=x", "aws:=x", "my key=x"]) {
                assert.throws(() => parseConfigValues([bad]), UsageError, bad);
            }
        });

        it("refuses a program of another runtime, naming it", () => {
            const dir = tempProgram({ "Pulumi.yaml": "name: shop\nruntime: python\n", "__main__.py": "" });
            assert.throws(() => loadProject(dir), (e: Error) => e instanceof ProgramError && /"python" runtime/.test(e.message));
        });

        it("expands a directory without Pulumi.yaml to the programs inside it", () => {
            const parent = tempProgram({
                "b/Pulumi.yaml": "name: b\nruntime: nodejs\n",
                "a/Pulumi.yaml": "name: a\nruntime: nodejs\n",
                "notes/README.md": "",
            });
            assert.deepEqual(programDirectories([parent]), [path.join(parent, "a"), path.join(parent, "b")]);
        });

        it("refuses a directory with no program in it as a usage error", () => {
            const empty = tempProgram({ "README.md": "" });
            assert.throws(() => programDirectories([empty]), UsageError);
            assert.throws(() => programDirectories([path.join(empty, "missing")]), UsageError);
        });
    });

    describe("what the analyzers receive", () => {
        it("adds the default provider each package would get, configured from the stack's config", () => {
            const bucket = registered("aws:s3/bucket:Bucket", "logs", { version: "7.48.0" });
            const stack = analyzedStack([registered("pulumi:pulumi:Stack", "shop-dev", { urn: STACK_URN, custom: false, parent: "" }), bucket], {
                project: "shop",
                stack: "dev",
                config: { "aws:region": "eu-west-1", "aws:secretKey": "[secret]", "shop:replicas": "2" },
                secretKeys: ["aws:secretKey"],
            });
            assert.deepEqual(stack.resources.map((r) => r.name), ["shop-dev", "default_7_48_0", "logs"]);
            const provider = stack.resources[1];
            assert.equal(provider.urn, "urn:pulumi:dev::shop::pulumi:providers:aws::default_7_48_0");
            assert.deepEqual(stack.resources[2].provider?.urn, provider.urn);
            assert.equal(provider.properties.region, "eu-west-1");
            assert.equal(provider.properties.version, "7.48.0");
            assert.equal((provider.properties.secretKey as Record<string, unknown>)[SECRET_SIGNATURE] !== undefined, true);
            assert.equal(provider.properties.replicas, undefined);
            assert.equal(stack.resources[0].provider, undefined, "the stack has no provider");
        });

        it("gives a resource the explicit provider it names, with that provider's inputs", () => {
            const provider = registered("pulumi:providers:kubernetes", "legacy-cluster", { properties: { enableConfigMapMutable: "true" } });
            const configMap = registered("kubernetes:core/v1:ConfigMap", "routing", { provider: `${provider.urn}::${UNKNOWN_STRING}` });
            const stack = analyzedStack([provider, configMap], { project: "shop", stack: "dev", config: {}, secretKeys: [] });
            assert.deepEqual(stack.resources.map((r) => r.name), ["legacy-cluster", "routing"]);
            assert.deepEqual(stack.resources[1].provider, { type: provider.type, urn: provider.urn, name: "legacy-cluster", properties: { enableConfigMapMutable: "true" } });
        });

        it("carries options, dependencies and property dependencies through", () => {
            const bucket = registered("aws:s3/bucket:Bucket", "logs");
            const lock = registered("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "logs", {
                protect: true,
                ignoreChanges: ["rule"],
                dependencies: [bucket.urn],
                propertyDependencies: { bucket: [bucket.urn] },
            });
            const [, , analyzed] = analyzedStack([bucket, lock], { project: "shop", stack: "dev", config: {}, secretKeys: [] }).resources;
            assert.deepEqual(analyzed.options, { protect: true, ignoreChanges: ["rule"], parent: STACK_URN, aliases: [] });
            assert.deepEqual(analyzed.dependencies, [bucket.urn]);
            assert.deepEqual(analyzed.propertyDependencies, { bucket: [bucket.urn] });
        });

        it("sends a component's registered outputs, not its inputs, to stack validation", () => {
            const component = registered("acme:index:Service", "api", { custom: false, properties: { size: "small" }, outputs: { url: "https://api" } });
            const stack = analyzedStack([component], { project: "shop", stack: "dev", config: {}, secretKeys: [] });
            assert.deepEqual(stack.resources[0].properties, { size: "small" });
            assert.deepEqual(stack.stackResources[0].properties, { url: "https://api" });
            assert.equal(stack.resources[0].provider, undefined);
        });

        it("turns resource references into ids, drops internal keys and keeps secrets wrapped, as the engine marshals inputs", () => {
            const wrapped = { [SECRET_SIGNATURE]: "1b47061264138c4ac30d75fd1eb44270", value: "hunter2" };
            const seen = asAnalyzerSees({
                bucket: { [SECRET_SIGNATURE]: "5cf8f73096256a8f31e491e813e4eb8e", urn: "urn:b", id: "logs-bucket" },
                parent: { [SECRET_SIGNATURE]: "5cf8f73096256a8f31e491e813e4eb8e", urn: "urn:component" },
                __defaults: ["name"],
                password: wrapped,
                nested: [{ __internal: 1, keep: 2 }],
            });
            assert.deepEqual(seen, { bucket: "logs-bucket", parent: "urn:component", password: wrapped, nested: [{ keep: 2 }] });
        });
    });

    describe("errors from a program", () => {
        it("names the error and the line of the user's program, not the tool's stack", () => {
            const dir = "/work/app";
            const error = new TypeError("Cannot read properties of undefined (reading 'name')");
            error.stack = `${error.name}: ${error.message}\n    at makeBucket (${dir}/node_modules/@pulumi/x/index.js:1:1)\n` +
                `    at buildStack (${dir}/index.ts:12:7)\n    at run (/opt/immutable-guard/bin/cli/dry-run/program-host.js:9:9)`;
            assert.equal(describeProgramError(error, dir), "TypeError: Cannot read properties of undefined (reading 'name') (buildStack (index.ts:12:7))");
        });

        it("passes a compile error through as the compiler wrote it", () => {
            const error = new Error("⨯ Unable to compile TypeScript:\nindex.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.");
            error.name = "TSError";
            assert.match(describeProgramError(error, "/work/app"), /^⨯ Unable to compile TypeScript:\nindex\.ts\(3,7\): error TS2322/);
        });

        it("names a required config key the stack does not set, and how to pass it to the dry run", () => {
            const error = Object.assign(new Error("Missing required configuration variable 'shop:bucketName'\n\tplease set a value using the command `pulumi config set shop:bucketName <value>`"), { key: "shop:bucketName" });
            error.stack = `Error: ${error.message}\n    at Config.require (/work/app/node_modules/@pulumi/pulumi/config.js:1:1)\n    at Object.<anonymous> (/work/app/index.ts:5:27)`;
            assert.equal(describeProgramError(error, "/work/app", "prod"),
                "the program requires the config value shop:bucketName, which is not set (Object.<anonymous> (index.ts:5:27)): " +
                "pass it with `--config-value shop:bucketName=<value>`, or set it in Pulumi.prod.yaml");
        });

        it("describes a thrown value that is not an Error", () => {
            assert.equal(describeProgramError("no region", "/work/app"), "the program threw \"no region\"");
        });
    });

    describe("simulated data sources", () => {
        it("renders getPolicyDocument statements as the AWS provider does", () => {
            const json = JSON.parse(renderPolicyDocument({
                statements: [
                    { sid: "Read", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::logs/*", "arn:aws:s3:::logs"] },
                    {
                        effect: "Deny",
                        notActions: ["s3:GetObject"],
                        principals: [{ type: "*", identifiers: ["*"] }],
                        conditions: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
                    },
                    { actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }] },
                ],
            })) as { Version: string; Statement: Record<string, unknown>[] };
            assert.equal(json.Version, "2012-10-17");
            assert.deepEqual(json.Statement[0], { Sid: "Read", Effect: "Allow", Action: "s3:GetObject", Resource: ["arn:aws:s3:::logs/*", "arn:aws:s3:::logs"] });
            assert.deepEqual(json.Statement[1], { Effect: "Deny", NotAction: "s3:GetObject", Principal: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } });
            assert.deepEqual(json.Statement[2].Principal, { Service: "lambda.amazonaws.com" });
        });

        it("answers the caller identity with the stand-in account and the region from stack config", () => {
            assert.equal(simulateDataSource("aws:index/getCallerIdentity:getCallerIdentity", {}, {}).result.accountId, "123456789012");
            assert.equal(simulateDataSource("aws:index/getRegion:getRegion", {}, { "aws:region": "eu-west-1" }).result.region, "eu-west-1");
        });

        it("says when it does not know a data source", () => {
            assert.deepEqual(simulateDataSource("aws:ec2/getAmi:getAmi", {}, {}), { simulated: false, result: {} });
        });
    });

    describe("policy-pack config, read as the Pulumi CLI reads --policy-pack-config", () => {
        const policies: PolicyDescription[] = [
            {
                name: "container-image-digest-required",
                displayName: "",
                description: "",
                enforcementLevel: "mandatory",
                remediationSteps: "",
                configSchema: { allowedRegistries: { type: "array", items: { type: "string" }, default: [] } },
                required: [],
                tags: [],
            },
            { name: "ecr-image-tags-immutable", displayName: "", description: "", enforcementLevel: "advisory", remediationSteps: "", required: [], tags: [] },
        ];

        it("accepts a level alone or an object of settings with an optional level", () => {
            assert.deepEqual(parsePolicyPackConfig('{"a": "advisory", "b": {"enforcementLevel": "disabled", "x": 1}, "c": {"y": true}, "d": {}}', "f.json"), {
                a: { enforcementLevel: "advisory", properties: {} },
                b: { enforcementLevel: "disabled", properties: { x: 1 } },
                c: { enforcementLevel: undefined, properties: { y: true } },
            });
        });

        it("refuses an unknown enforcement level and a file that is not a JSON object", () => {
            assert.throws(() => parsePolicyPackConfig('{"a": "strict"}', "f.json"), /"strict" is not a valid enforcement level/);
            assert.throws(() => parsePolicyPackConfig("[1]", "f.json"), UsageError);
            assert.throws(() => parsePolicyPackConfig("{", "f.json"), /f\.json is not valid JSON/);
        });

        it("never quotes the text of a config that is not JSON", () => {
            assert.throws(() => parsePolicyPackConfig('{"a": {"token": "s3cr3t', "f.json"), (e: Error) => /^f\.json is not valid JSON/.test(e.message) && !e.message.includes("s3cr3t"));
        });

        it("takes an empty file as no config and leaves Pulumi ESC environments to Pulumi Cloud", () => {
            assert.deepEqual(parsePolicyPackConfig(" \n", "f.json"), {});
            assert.deepEqual(parsePolicyPackConfig('{"environments": ["acme/policy"], "a": "advisory"}', "f.json"), { a: { enforcementLevel: "advisory", properties: {} } });
        });

        it("hands Configure each policy's settings with its level among them, when it has one", () => {
            assert.deepEqual(settingsWithLevels({ a: { enforcementLevel: "advisory", properties: { x: 1 } }, b: { properties: { y: true } } }), {
                a: { x: 1, enforcementLevel: "advisory" },
                b: { y: true },
            });
        });

        it("gives every policy its schema defaults and level, then applies `all` and each policy's settings", () => {
            const { config } = reconcilePolicyPackConfig(policies, {}, {
                all: { enforcementLevel: "advisory", properties: {} },
                "container-image-digest-required": { properties: { allowedRegistries: ["ghcr.io/acme"] } },
            });
            assert.deepEqual(config, {
                "container-image-digest-required": { enforcementLevel: "advisory", properties: { allowedRegistries: ["ghcr.io/acme"] } },
                "ecr-image-tags-immutable": { enforcementLevel: "advisory", properties: {} },
                all: { enforcementLevel: "advisory", properties: {} },
            });
        });

        it("keeps each policy's own level when nothing overrides it", () => {
            const { config } = reconcilePolicyPackConfig(policies, {}, {});
            assert.equal(config?.["container-image-digest-required"].enforcementLevel, "mandatory");
            assert.equal(config?.["ecr-image-tags-immutable"].enforcementLevel, "advisory");
        });

        it("reports a setting of the wrong type, naming the policy", () => {
            const { problems } = reconcilePolicyPackConfig(policies, {}, { "container-image-digest-required": { properties: { allowedRegistries: "ghcr.io" } } });
            assert.deepEqual(problems, ["container-image-digest-required: allowedRegistries must be array"]);
        });
    });
});
