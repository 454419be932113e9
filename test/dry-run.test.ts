import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SECRET_SIGNATURE, type PolicyDescription } from "../cli/analyzer-client";
import { analyzedStack, type CapturedResource } from "../cli/dry-run/captured-stack";
import { answerDataSource, renderPolicyDocument, type DataSourceContext } from "../cli/dry-run/data-sources";
import { mockAnswer, parseMocks } from "../cli/dry-run/mocks";
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
        remote: false,
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
            const error = new Error("missing setting: region");
            error.stack = `${error.name}: ${error.message}\n    at buildStack (${dir}/index.ts:12:7)\n` +
                `    at Object.<anonymous> (${dir}/index.ts:20:1)\n    at run (/opt/immutable-guard/bin/cli/dry-run/program-host.js:9:9)`;
            assert.equal(describeProgramError(error, dir), "Error: missing setting: region (buildStack (index.ts:12:7))");
        });

        it("names the library that raised an error and the program line that called it", () => {
            const dir = "/work/app";
            const error = new TypeError("Cannot read properties of undefined (reading 'name')");
            error.stack = `${error.name}: ${error.message}\n    at makeBucket (${dir}/node_modules/@pulumi/x/index.js:1:1)\n` +
                `    at buildStack (${dir}/index.ts:12:7)\n    at run (/opt/immutable-guard/bin/cli/dry-run/program-host.js:9:9)`;
            assert.equal(describeProgramError(error, dir), "TypeError: Cannot read properties of undefined (reading 'name') (raised in @pulumi/x/index.js:1:1, from index.ts:12:7)");
        });

        it("reads the file URLs of an ES module's stack as the program's files", () => {
            const dir = "/work/app";
            const error = new Error("no zones");
            error.stack = `Error: no zones\n    at file://${dir}/lib/network.ts:3:9\n    at async file://${dir}/index.ts:5:1`;
            assert.equal(describeProgramError(error, dir), "Error: no zones (lib/network.ts:3:9)");
        });

        it("tells how to load an ES-module TypeScript program when ts-node cannot", () => {
            const error = Object.assign(new TypeError('Unknown file extension ".ts" for /work/app/index.ts'), { code: "ERR_UNKNOWN_FILE_EXTENSION" });
            assert.match(describeProgramError(error, "/work/app"), /needs ts-node 10 or later/);
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

    describe("rendering getPolicyDocument", () => {
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

        it("merges sourcePolicyDocuments and overridePolicyDocuments by Sid, as the provider does", () => {
            const source = JSON.stringify({ Statement: [{ Sid: "Read", Effect: "Allow", Action: "s3:GetObject", Resource: "*" }, { Effect: "Allow", Action: "logs:PutLogEvents", Resource: "*" }] });
            const override = JSON.stringify({ Statement: { Sid: "Write", Effect: "Deny", Action: "s3:PutObject", Resource: "*" } });
            const json = JSON.parse(renderPolicyDocument({
                sourcePolicyDocuments: [source],
                overridePolicyDocuments: [override],
                statements: [{ sid: "Read", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::logs/*"] }, { sid: "Write", actions: ["s3:PutObject"], resources: ["*"] }],
            })) as { Statement: Record<string, unknown>[] };
            assert.deepEqual(json.Statement.map((st) => [st.Sid, st.Effect, st.Resource]), [
                ["Read", "Allow", "arn:aws:s3:::logs/*"],
                [undefined, "Allow", "*"],
                ["Write", "Deny", "*"],
            ]);
        });

        it("merges the values of two conditions on the same key", () => {
            const json = JSON.parse(renderPolicyDocument({
                statements: [{
                    actions: ["sts:AssumeRoleWithWebIdentity"],
                    conditions: [
                        { test: "StringLike", variable: "token.actions.githubusercontent.com:sub", values: ["repo:acme/api:ref:refs/heads/main"] },
                        { test: "StringLike", variable: "token.actions.githubusercontent.com:sub", values: ["repo:acme/api:environment:prod"] },
                    ],
                }],
            })) as { Statement: { Condition: Record<string, Record<string, unknown>> }[] };
            assert.deepEqual(json.Statement[0].Condition.StringLike["token.actions.githubusercontent.com:sub"], ["repo:acme/api:ref:refs/heads/main", "repo:acme/api:environment:prod"]);
        });
    });

    describe("answers to data sources", () => {
        const preview: DataSourceContext = { config: { "aws:region": "eu-west-1" }, preview: true };
        const answer = (token: string, inputs: Record<string, unknown> = {}, context = preview) => {
            const result = answerDataSource(token, inputs, context);
            assert.ok(result.answered, `${token} is answered`);
            return result.result;
        };

        it("answers the caller identity with the stand-in account and the region from stack config", () => {
            assert.equal(answer("aws:index/getCallerIdentity:getCallerIdentity").accountId, "123456789012");
            assert.equal(answer("aws:index/getRegion:getRegion").region, "eu-west-1");
            assert.equal(answer("aws:index/getRegion:getRegion", {}, { config: {}, preview: true }).region, "us-east-1");
            assert.equal(answer("aws:index/getPartition:getPartition", { region: "cn-north-1" }).partition, "aws-cn");
        });

        it("answers the default VPC lookup with a VPC whose subnets, one per zone, belong to it", () => {
            const vpc = answer("aws:ec2/getVpc:getVpc", { default: true });
            assert.match(String(vpc.id), /^vpc-[0-9a-f]{17}$/);
            assert.equal(vpc.default, true);
            assert.equal(vpc.cidrBlock, "172.31.0.0/16");
            const subnets = answer("aws:ec2/getSubnets:getSubnets", { filters: [{ name: "vpc-id", values: [vpc.id] }] }).ids as string[];
            assert.equal(subnets.length, 3);
            assert.ok(subnets.every((id) => /^subnet-[0-9a-f]{17}$/.test(id)));
            // @pulumi/aws 5's lookup, which awsx classic slices.
            assert.deepEqual(answer("aws:ec2/getSubnetIds:getSubnetIds", { vpcId: vpc.id }).ids, subnets);
            const subnet = answer("aws:ec2/getSubnet:getSubnet", { availabilityZone: "eu-west-1b", defaultForAz: true });
            assert.equal(subnet.vpcId, vpc.id);
            assert.equal(subnet.id, subnets[1]);
            assert.equal(subnet.availabilityZoneId, "euw1-az2");
        });

        it("answers availability zones of the configured region, named and numbered as AWS does", () => {
            const zones = answer("aws:index/getAvailabilityZones:getAvailabilityZones", { state: "available" });
            assert.deepEqual(zones.names, ["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
            assert.deepEqual(zones.zoneIds, ["euw1-az1", "euw1-az2", "euw1-az3"]);
            assert.equal(zones.state, "available");
            assert.deepEqual(answer("aws:index/getAvailabilityZones:getAvailabilityZones", { region: "ap-southeast-2" }).zoneIds, ["apse2-az1", "apse2-az2", "apse2-az3"]);
        });

        it("gives the same image to the same lookup and another to a different one", () => {
            const al2023 = { mostRecent: true, owners: ["amazon"], filters: [{ name: "name", values: ["al2023-ami-*-x86_64"] }] };
            const ami = answer("aws:ec2/getAmi:getAmi", al2023);
            assert.match(String(ami.id), /^ami-[0-9a-f]{17}$/);
            assert.equal(ami.imageId, ami.id);
            assert.equal(ami.architecture, "x86_64");
            assert.equal(answer("aws:ec2/getAmi:getAmi", al2023).id, ami.id);
            assert.notEqual(answer("aws:ec2/getAmi:getAmi", { ...al2023, filters: [{ name: "name", values: ["ubuntu/*"] }] }).id, ami.id);
        });

        it("answers an EKS cluster lookup with an endpoint, a certificate authority, an OIDC issuer and a token", () => {
            const cluster = answer("aws:eks/getCluster:getCluster", { name: "main" });
            assert.match(String(cluster.endpoint), /^https:\/\/[0-9A-F]{32}\.gr7\.eu-west-1\.eks\.amazonaws\.com$/);
            const [authority] = cluster.certificateAuthorities as { data: string }[];
            assert.ok(Buffer.from(authority.data, "base64").toString().length > 0);
            const [identity] = cluster.identities as { oidcs: { issuer: string }[] }[];
            assert.match(identity.oidcs[0].issuer, /^https:\/\/oidc\.eks\.eu-west-1\.amazonaws\.com\/id\//);
            assert.equal(typeof answer("aws:eks/getClusterAuth:getClusterAuth", { name: "main" }).token, "string");
        });

        it("answers the load balancers' account as one fixed principal, never a wildcard", () => {
            const account = answer("aws:elb/getServiceAccount:getServiceAccount");
            assert.match(String(account.arn), /^arn:aws:iam::\d{12}:root$/);
            assert.equal(answer("aws:elb/getServiceAccount:getServiceAccount").arn, account.arn);
        });

        it("lets --mocks render a Helm chart the dry run cannot", () => {
            const mocks = parseMocks(JSON.stringify({ "kubernetes:helm:template": { result: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "ingress" } }] } }), "mocks.json");
            const chart = answerDataSource("kubernetes:helm:template", { jsonOpts: "{\"chart\":\"ingress-nginx\"}" }, { ...preview, mocks });
            assert.ok(chart.answered);
            assert.deepEqual(chart.result.result, [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "ingress" } }]);
        });

        it("answers AWS's public image parameters from SSM, never a parameter of the user's", () => {
            assert.match(String(answer("aws:ssm/getParameter:getParameter", { name: "/aws/service/eks/optimized-ami/1.31/amazon-linux-2/recommended/image_id" }).value), /^ami-/);
            const own = answerDataSource("aws:ssm/getParameter:getParameter", { name: "/acme/prod/db-host" }, preview);
            assert.equal(own.answered, false);
        });

        it("decodes the YAML of yaml.ConfigFile as the provider does, one object per document", () => {
            const decoded = answer("kubernetes:yaml:decode", { text: "apiVersion: v1\nkind: Namespace\nmetadata: {name: apps}\n---\n---\nkind: ConfigMap\n" });
            assert.deepEqual(decoded.result, [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } }, { kind: "ConfigMap" }]);
        });

        it("reports a Helm chart as not rendered, answering unknown at preview and no objects at up", () => {
            const jsonOpts = JSON.stringify({ chart: "ingress-nginx", fetch_opts: { repo: "https://kubernetes.github.io/ingress-nginx" } });
            const atPreview = answerDataSource("kubernetes:helm:template", { jsonOpts }, preview);
            assert.equal(atPreview.answered, false);
            assert.deepEqual(atPreview.result, { result: UNKNOWN_STRING });
            assert.ok(!atPreview.answered && atPreview.unseen.kind === "chart" && atPreview.unseen.name === "ingress-nginx");
            assert.match(atPreview.answered ? "" : atPreview.unseen.message, /Helm chart ingress-nginx from https:\/\/kubernetes\.github\.io\/ingress-nginx is not rendered/);
            assert.deepEqual(answerDataSource("kubernetes:helm:template", { jsonOpts }, { ...preview, preview: false }).result, { result: [] });
        });

        it("says when it does not know a data source, and that --mocks can answer it", () => {
            const unknown = answerDataSource("aws:rds/getEngineVersion:getEngineVersion", { engine: "postgres" }, preview);
            assert.deepEqual(unknown.result, {});
            assert.ok(!unknown.answered && unknown.unseen.kind === "data-source");
            assert.match(unknown.answered ? "" : unknown.unseen.message, /not answered by the dry run.*--mocks/);
        });

        it("answers from the user's mocks before its own", () => {
            const mocks = parseMocks(JSON.stringify({ "aws:index/getRegion:getRegion": { name: "sa-east-1", region: "sa-east-1" } }), "mocks.json");
            assert.equal(answer("aws:index/getRegion:getRegion", {}, { ...preview, mocks }).region, "sa-east-1");
        });
    });

    describe("--mocks files", () => {
        const mocks = parseMocks(JSON.stringify({
            "aws:ssm/getParameter:getParameter": [
                { args: { name: "/acme/prod/api-image" }, result: { value: "ghcr.io/acme/api:1.4.2" } },
                { args: { name: "/acme/prod/db", withDecryption: true }, result: { value: "db.internal" } },
                { result: { value: "fallback" } },
            ],
            "aws:secretsmanager/getSecret:getSecret": { arn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf" },
        }), "mocks.json");

        it("picks the first answer whose args the call has, and one without args for any call", () => {
            assert.deepEqual(mockAnswer(mocks, "aws:ssm/getParameter:getParameter", { name: "/acme/prod/api-image", withDecryption: true }), { value: "ghcr.io/acme/api:1.4.2" });
            assert.deepEqual(mockAnswer(mocks, "aws:ssm/getParameter:getParameter", { name: "/acme/prod/db" }), { value: "fallback" });
            assert.deepEqual(mockAnswer(mocks, "aws:ssm/getParameter:getParameter", { name: "/acme/prod/db", withDecryption: true }), { value: "db.internal" });
        });

        it("answers every call of a data source given as one result object", () => {
            assert.match(String(mockAnswer(mocks, "aws:secretsmanager/getSecret:getSecret", { name: "db" })?.arn), /:secret:db-/);
            assert.equal(mockAnswer(mocks, "aws:ec2/getVpc:getVpc", {}), undefined);
        });

        for (const [what, text, message] of [
            ["a file that is not JSON", "{", /mocks\.json is not valid JSON/],
            ["a list at the top", "[]", /must be a JSON object keyed by data source token/],
            ["a key that is not a token", '{"getParameter": {}}', /"getParameter" is not a data source token/],
            ["a result that is not an object", '{"aws:ssm/getParameter:getParameter": [{"result": "x"}]}', /\[0\]\.result must be an object/],
            ["a misspelt key in a case", '{"aws:ssm/getParameter:getParameter": [{"arg": {}, "result": {}}]}', /has "arg"; an entry of a list has only "args" and "result"/],
        ] as const) {
            it(`refuses ${what} as a usage error that says why`, () => {
                assert.throws(() => parseMocks(text, "mocks.json"), (e: Error) => e instanceof UsageError && message.test(e.message));
            });
        }
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
