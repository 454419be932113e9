import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import { analyzedStack } from "../../cli/dry-run/captured-stack";
import { loadProject, parseConfigValues } from "../../cli/dry-run/project";
import { runProgram } from "../../cli/dry-run/run-program";
import type { Report, StackReport } from "../../cli/output/report";
import { renderSarif } from "../../cli/output/sarif";
import { PLAIN, renderText } from "../../cli/output/text";
import { policies } from "../../rules";
import { UNKNOWN_STRING } from "../../rules/lib/unknowns";
import { runInstalled as cli } from "../lib/cli";
import { PACK_DIR } from "../lib/pack";
import { assertSarifUris, assertValidReport, assertValidSarif } from "../lib/schemas";

const EXAMPLES = path.join(PACK_DIR, "examples");

interface Expectation {
    exitCode: 0 | 1 | 2;
    violations: { policy: string; resource: string; level: "mandatory" | "advisory" }[];
}

/** What the real CLI reports; `dryRun`, where the dry run cannot see what a provider computes, what it reports instead. */
interface Expected extends Expectation {
    dryRun?: Expectation & { why: string };
}

// Values the examples hold on purpose (a Secret's value, ConfigMap data) that no output may show.
const NEVER_PRINTED = [
    "FAKE-gateway-key-4c1f9e2b-not-a-real-secret",
    "FAKE-license-7d3e0a91-do-not-print",
    "FAKE-webhook-token-0b5c2e77-not-a-real-secret",
];

const exampleNames = fs.readdirSync(EXAMPLES).filter((d) => fs.existsSync(path.join(EXAMPLES, d, "Pulumi.yaml"))).sort();

const packPolicies = new Set(policies.map((p) => p.name));

function stackExitCode(stack: StackReport): number {
    return stack.error !== undefined ? 2 : stack.violations.some((v) => v.level === "mandatory") ? 1 : 0;
}

describe("immutable-guard dry-run over the examples", function () {
    this.timeout(300000);
    let run: { status: number | null; stdout: string; stderr: string };
    let report: Report;

    before(() => {
        run = cli(["dry-run", "--format", "json", "examples"]);
        report = JSON.parse(run.stdout) as Report;
    });

    it("runs every example and exits 1, since the violating examples violate on purpose", () => {
        assert.deepEqual(report.stacks.map((s) => s.program), exampleNames.map((n) => `examples/${n}`));
        assert.equal(run.status, report.exitCode);
        assert.equal(run.status, 1, run.stderr);
    });

    for (const name of exampleNames) {
        describe(`examples/${name}`, () => {
            const expected = JSON.parse(fs.readFileSync(path.join(EXAMPLES, name, "expected.json"), "utf8")) as Expected;
            const wanted: Expectation = expected.dryRun ?? expected;
            const stackOf = () => report.stacks.find((s) => s.program === `examples/${name}`)!;

            it("loads, compiles and is analyzed", () => {
                assert.equal(stackOf().error, undefined);
                assert.ok((stackOf().resources ?? 0) > 2, "the program registered resources");
            });

            it("reports exactly the (policy, resource) violations its expected.json lists", () => {
                const actual = stackOf().violations.map((v) => `${v.level} ${v.policy} ${v.name}`).sort();
                const listed = wanted.violations.map((v) => `${v.level} ${v.policy} ${v.resource}`).sort();
                // One resource can break one policy in several places; expected.json lists each pair once.
                assert.deepEqual([...new Set(actual)], listed);
            });

            it(`exits ${wanted.exitCode} as its expected.json says`, () => {
                assert.equal(stackExitCode(stackOf()), wanted.exitCode);
            });

            it("names only policies the pack has", () => {
                assert.deepEqual(expected.violations.filter((v) => !packPolicies.has(v.policy)), []);
            });
        });
    }

    it("prints JSON that matches schemas/dry-run-report.schema.json", () => {
        assertValidReport(report);
    });

    it("renders SARIF that validates against the SARIF 2.1.0 schema, one result per violation", () => {
        const log = JSON.parse(renderSarif(report)) as { runs: { results: { ruleId: string; level: string }[] }[] };
        assertValidSarif(log);
        const violations = report.stacks.flatMap((s) => s.violations);
        assert.equal(log.runs[0].results.length, violations.length);
        assert.deepEqual(log.runs[0].results.map((r) => r.ruleId).sort(), violations.map((v) => v.policy).sort());
    });

    it("never prints a secret or ConfigMap data value, in any format", () => {
        for (const output of [run.stdout, run.stderr, renderText(report, PLAIN), renderSarif(report)]) {
            for (const value of NEVER_PRINTED) {
                assert.ok(!output.includes(value), `${value} was printed`);
            }
        }
    });

    it("points each violation at the line of the program that names its resource", () => {
        for (const stack of report.stacks) {
            for (const v of stack.violations) {
                const lines = fs.readFileSync(path.join(PACK_DIR, v.location!.file), "utf8").split("\n");
                assert.match(lines[v.location!.line - 1], new RegExp(`"${v.name}"`), `${v.policy} on ${v.name}`);
            }
        }
    });

    it("records the property path of each finding", () => {
        const frontend = report.stacks.flatMap((s) => s.violations).find((v) => v.name === "frontend" && v.policy === "container-image-digest-required");
        assert.equal(frontend?.path, "spec.template.spec.containers[0].image");
    });
});

describe("what a program registers, as the analyzers receive it", function () {
    this.timeout(120000);

    it("keeps options, explicit providers and secrets as the engine sends them", async () => {
        const project = loadProject(path.join(EXAMPLES, "k8s-violating"));
        const run = await runProgram(project, { preview: true, organization: "organization", packDir: PACK_DIR, timeoutMs: 120000 });
        assert.ok(run.ok, run.ok ? "" : run.error);
        const { resources } = analyzedStack(run.resources, project);
        const byName = new Map(resources.map((r) => [r.name, r]));
        assert.deepEqual(byName.get("ledger")?.options?.ignoreChanges, ["spec.replicas"]);
        assert.deepEqual(byName.get("payment-routing")?.provider?.properties, { enableConfigMapMutable: "true" });
        assert.match(byName.get("frontend")?.provider?.name ?? "", /^default_4_\d+_\d+$/, "the default provider, named for the SDK version");
        // As the provider's Check stores it: stringData base64-encoded in data, secret-wrapped.
        const secretInputs = byName.get("webhook-token")?.properties ?? {};
        assert.equal(secretInputs.stringData, undefined);
        assert.equal((secretInputs.data as Record<string, unknown>)["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270", "sent secret-wrapped");
        assert.equal(byName.get("k8s-violating-dev")?.type, "pulumi:pulumi:Stack");
    });

    it("sees outputs of other resources as unknown in preview mode, as pulumi preview does", async () => {
        const project = loadProject(path.join(EXAMPLES, "aws-compliant"));
        const run = await runProgram(project, { preview: true, organization: "organization", packDir: PACK_DIR, timeoutMs: 120000 });
        assert.ok(run.ok, run.ok ? "" : run.error);
        const versioning = run.resources.find((r) => r.type === "aws:s3/bucketVersioning:BucketVersioning")!;
        const bucket = run.resources.find((r) => r.type === "aws:s3/bucket:Bucket")!;
        assert.equal(versioning.properties.bucket, UNKNOWN_STRING);
        assert.deepEqual(versioning.propertyDependencies.bucket, [bucket.urn]);
        assert.deepEqual(versioning.dependencies, [bucket.urn]);
        // Inputs written in the program, and data sources the dry run answers, are known.
        assert.equal(bucket.properties.bucket, "acme-audit-logs-123456789012");
    });
    it("answers the default VPC, its subnets, zones and an image with ids of AWS's shape, as the program uses them", async () => {
        const project = loadProject(path.join(PACK_DIR, "test", "fixtures", "dry-run", "default-vpc"));
        const run = await runProgram(project, { preview: true, organization: "organization", packDir: PACK_DIR, timeoutMs: 120000 });
        assert.ok(run.ok, run.ok ? "" : run.error);
        const byType = new Map(run.resources.map((r) => [r.type, r.properties]));
        const subnets = byType.get("aws:lb/loadBalancer:LoadBalancer")?.subnets as string[];
        assert.equal(subnets.length, 2, "awsx classic keeps the first two");
        assert.ok(subnets.every((id) => /^subnet-[0-9a-f]{17}$/.test(id)));
        assert.match(String(byType.get("aws:ec2/securityGroup:SecurityGroup")?.vpcId), /^vpc-[0-9a-f]{17}$/);
        const bastion = byType.get("aws:ec2/instance:Instance")!;
        assert.match(String(bastion.ami), /^ami-[0-9a-f]{17}$/);
        assert.equal(bastion.availabilityZone, "eu-west-1a");
        assert.equal(bastion.subnetId, subnets[0]);
    });
});

describe("immutable-guard dry-run on programs that fail, and on config", function () {
    this.timeout(300000);
    let run: { status: number | null; stdout: string; stderr: string };
    let stacks: Map<string, StackReport>;

    before(() => {
        run = cli(["dry-run", "--format", "json", "test/fixtures/dry-run"]);
        stacks = new Map((JSON.parse(run.stdout) as Report).stacks.map((s) => [s.project, s]));
    });

    it("exits 2 when a program cannot be analyzed, and still analyzes the others", () => {
        assert.equal(run.status, 2);
        assert.equal(stacks.get("shop")?.error, undefined);
        assert.equal(stacks.get("shop")?.violations.length, 2);
    });

    it("reports a program that throws with its error and the line in the program, not the tool's stack", () => {
        const error = stacks.get("throws")?.error ?? "";
        assert.match(error, /^Error: missing setting: region \(requireSetting \(index\.ts:4:11\)\)$/);
        assert.doesNotMatch(run.stdout + run.stderr, /program-host|run-program|    at /);
    });

    it("reports a program that does not compile with the compiler's message", () => {
        assert.match(stacks.get("does-not-compile")?.error ?? "", /does-not-compile\/index\.ts\(3,7\): error TS2322: Type 'string' is not assignable to type 'number'/);
    });

    it("uses the policy-config.json beside a program as its config", () => {
        const configured = stacks.get("configured")!;
        assert.equal(configured.config, "test/fixtures/dry-run/configured/policy-config.json");
        assert.deepEqual(configured.violations.map((v) => v.level), ["advisory"]);
    });

    it("gives an advisory, not a pass, for an OIDC trust whose provider ARN only the provider computes", () => {
        const levels = stacks.get("oidc-trust")?.violations.map((v) => `${v.level} ${v.policy} ${v.name}`);
        assert.deepEqual(levels, ["mandatory iam-no-wildcard-grants deploy-by-url", "advisory iam-no-wildcard-grants deploy"]);
    });

    it("names a config key the program requires and the stack does not set, and how to pass it", () => {
        assert.match(stacks.get("requires-config")?.error ?? "",
            /^the program requires the config value requires-config:bucketName, which is not set \(.*index\.ts:5:\d+\)\): pass it with `--config-value requires-config:bucketName=<value>`, or set it in Pulumi\.dev\.yaml$/);
    });

    it("reports a config the pack refuses at Configure, naming the key", () => {
        assert.match(stacks.get("refused-config")?.error ?? "", /container-image-digest-required\.allowedRegistry is not a known setting/);
    });

    it("lets an explicit --config win over the program's policy-config.json", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ig-config-"));
        const config = path.join(dir, "strict.json");
        fs.writeFileSync(config, JSON.stringify({ "container-image-digest-required": { enforcementLevel: "mandatory" } }));
        const strict = cli(["dry-run", "--config", config, "--format", "sarif", "--transpile-only", "test/fixtures/dry-run/configured"]);
        assert.equal(strict.status, 1, strict.stderr);
        const log = JSON.parse(strict.stdout) as { runs: { results: { level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] };
        assertValidSarif(log);
        assert.deepEqual(log.runs[0].results.map((r) => r.level), ["error"]);
        assert.equal(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, "test/fixtures/dry-run/configured/index.ts");
        assert.equal(log.runs[0].results[0].locations[0].physicalLocation.region.startLine, 3);
    });

    describe("programs people already have", () => {
        const program = (name: string) => stacks.get(name)!;

        it("runs an ES-module TypeScript program (top-level await, `.js` imports) as the language host does", () => {
            assert.equal(program("esm-ts").error, undefined);
            assert.deepEqual(program("esm-ts").violations.map((v) => `${v.level} ${v.policy} ${v.name}`), ["mandatory ecr-image-tags-immutable orders-images"]);
        });

        it("runs an ES-module JavaScript program whose default export builds the stack", () => {
            assert.equal(program("esm-js").error, undefined);
            assert.deepEqual(program("esm-js").violations.map((v) => `${v.policy} ${v.name}`), ["container-image-digest-required web"]);
        });

        it("lists every component built by a provider plugin with its type token, where it is declared and what that means", () => {
            const remote = program("remote-component");
            assert.deepEqual(remote.violations, []);
            assert.deepEqual(remote.incomplete?.map((i) => [i.kind, i.type, i.name, i.location?.line]), [
                ["component", "awsx:ecr:Repository", "app-images", 12],
                ["component", "eks:index:Cluster", "main", 13],
            ]);
            assert.equal(remote.incomplete?.[0].urn, "urn:pulumi:dev::remote-component::awsx:ecr:Repository::app-images");
            assert.match(remote.incomplete?.[0].message ?? "", /built inside the awsx provider plugin.*`pulumi preview --policy-pack` does/);
        });

        it("answers awsx classic's default-VPC lookup so the program runs, and sees nothing missing", () => {
            assert.equal(program("default-vpc").error, undefined);
            assert.deepEqual(program("default-vpc").incomplete, []);
        });

        it("renders yaml.ConfigFile, and reports a Helm v3 chart it cannot render without failing the program", () => {
            const helm = program("helm-v3");
            assert.equal(helm.error, undefined);
            assert.deepEqual(helm.violations.map((v) => `${v.policy} ${v.name}`), ["kubernetes-config-immutable limits"]);
            assert.deepEqual(helm.incomplete?.map((i) => [i.kind, i.type, i.name]), [["chart", "kubernetes:helm:template", "ingress-nginx"]]);
        });

        it("keeps the unanswered data source of a program that then throws, and names the program's line", () => {
            const mocked = program("mocked");
            assert.match(mocked.error ?? "", /^TypeError: .*Cannot read properties of undefined \(reading 'trim'\) \(index\.ts:12:\d+\)$/);
            assert.deepEqual(mocked.incomplete?.map((i) => [i.kind, i.type]), [["data-source", "aws:ssm/getParameter:getParameter"]]);
        });

        it("says in the summary line that the run was incomplete, and in SARIF as warnings of the run", () => {
            const report = JSON.parse(run.stdout) as Report;
            const notSeen = report.stacks.reduce((n, s) => n + (s.incomplete?.length ?? 0), 0);
            assert.equal(report.summary.incomplete, notSeen);
            assert.match(renderText(report, PLAIN), new RegExp(`The run is incomplete: ${notSeen} things not seen by the dry run \\(listed above\\)`));
            const log = JSON.parse(renderSarif(report)) as { runs: { invocations: { toolExecutionNotifications: { level: string; descriptor?: { id: string } }[] }[] }[] };
            assertValidSarif(log);
            const warnings = log.runs[0].invocations[0].toolExecutionNotifications.filter((n) => n.descriptor?.id === "incomplete-dry-run");
            assert.equal(warnings.length, notSeen);
            assert.ok(warnings.every((n) => n.level === "warning"));
        });

        it("answers a data source from a --mocks file, and what the program built from it is checked", () => {
            const mocked = cli(["dry-run", "--mocks", "test/fixtures/dry-run/mocked/mocks.json", "--format", "json", "--transpile-only", "test/fixtures/dry-run/mocked"]);
            assert.equal(mocked.status, 1, mocked.stderr);
            const [stack] = (JSON.parse(mocked.stdout) as Report).stacks;
            assert.deepEqual(stack.incomplete, []);
            assert.deepEqual(stack.violations.map((v) => `${v.policy} ${v.name}`), ["container-image-digest-required api"]);
            assert.match(stack.violations[0].message, /"ghcr\.io\/acme\/api:1\.4\.2"/);
        });

        it("exits 0 for an incomplete run without findings, and 2 with --fail-incomplete", () => {
            const lenient = cli(["dry-run", "--transpile-only", "test/fixtures/dry-run/remote-component"]);
            assert.equal(lenient.status, 0, lenient.stderr);
            const strict = cli(["dry-run", "--fail-incomplete", "--transpile-only", "test/fixtures/dry-run/remote-component"]);
            assert.equal(strict.status, 2, strict.stderr);
            assert.match(strict.stdout, /^1 program, \d+ resources analyzed: 0 mandatory violations, 0 advisory violations\. The run is incomplete: 2 things not seen/m);
            assert.match(strict.stdout, /--fail-incomplete: an incomplete run fails \(exit code 2\)\./);
        });

        it("names the library and the program line behind an error raised in a component's initialization, as awsx classic's default VPC failed", async () => {
            // A library in the program's node_modules that slices what an unanswered data source returned.
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ig-library-error-"));
            fs.mkdirSync(path.join(dir, "node_modules", "classic-vpc"), { recursive: true });
            fs.symlinkSync(path.join(PACK_DIR, "node_modules", "@pulumi"), path.join(dir, "node_modules", "@pulumi"));
            fs.writeFileSync(path.join(dir, "node_modules", "classic-vpc", "index.js"), [
                "const pulumi = require(\"@pulumi/pulumi\");",
                "class Vpc extends pulumi.ComponentResource {",
                "    constructor(name) { super(\"classic:ec2:Vpc\", name, {}, {}); }",
                "    async initialize() {",
                "        const found = await pulumi.runtime.invoke(\"aws:ec2/getSubnetIdsByTag:getSubnetIdsByTag\", {});",
                "        return found.ids.slice(0, 2);",
                "    }",
                "    static getDefault() { return new Vpc(\"default-vpc\"); }",
                "}",
                "exports.Vpc = Vpc;",
            ].join("\n"));
            fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: library-error\nruntime: nodejs\n");
            fs.writeFileSync(path.join(dir, "index.ts"), "import { Vpc } from \"classic-vpc\";\n\nexport const vpc = Vpc.getDefault().urn;\n");
            const run = await runProgram(loadProject(dir), { preview: true, organization: "organization", packDir: PACK_DIR, timeoutMs: 120000 });
            assert.ok(!run.ok);
            assert.equal(run.error, "TypeError: Cannot read properties of undefined (reading 'slice') (raised in classic-vpc/index.js:6:26, from index.ts:3:24)");
            assert.deepEqual(run.unseen.map((u) => u.type), ["aws:ec2/getSubnetIdsByTag:getSubnetIdsByTag"]);
        });

        it("names the program line behind an error raised inside a library, and still lists the chart", () => {
            const up = cli(["dry-run", "--mode", "up", "--format", "json", "--transpile-only", "test/fixtures/dry-run/helm-v3"]);
            assert.equal(up.status, 2, up.stderr);
            const [stack] = (JSON.parse(up.stdout) as Report).stacks;
            assert.match(stack.error ?? "", /^TypeError: Cannot read properties of undefined \(reading 'status'\) \(raised in .+, from index\.ts:11:\d+\)$/);
            assert.deepEqual(stack.incomplete?.map((i) => i.name), ["ingress-nginx"]);
        });
    });

    for (const [what, args, message] of [
        ["no program directory", ["dry-run"], /name at least one program directory/],
        ["a directory that does not exist", ["dry-run", "examples/none"], /examples\/none is not a directory/],
        ["an unknown format", ["dry-run", "--format", "xml", "examples/aws-compliant"], /--format must be text, json or sarif/],
        ["an unreadable --config", ["dry-run", "--config", "missing.json", "examples/aws-compliant"], /cannot read policy config missing\.json: ENOENT/],
    ] as const) {
        it(`exits 2 with a one-line message for ${what}`, () => {
            const result = cli([...args]);
            assert.equal(result.status, 2);
            assert.match(result.stderr, message);
            assert.doesNotMatch(result.stderr, /\n\s+at /);
        });
    }
});

describe("immutable-guard dry-run on programs as users write them", function () {
    this.timeout(300000);
    const FIXTURES = path.join(PACK_DIR, "test", "fixtures", "dry-run");

    it("runs a program outside the working directory into SARIF whose every location resolves, under the multitool's URI rules", () => {
        const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "ig-cwd-"));
        const program = path.join(FIXTURES, "named-resources");
        const result = cli(["dry-run", "--format", "sarif", "--transpile-only", program], undefined, elsewhere);
        assert.equal(result.status, 1, result.stderr);
        const log = JSON.parse(result.stdout) as { runs: { originalUriBaseIds: Record<string, { uri: string }> }[] };
        assertValidSarif(log);
        const locations = assertSarifUris(log);
        assert.deepEqual(locations.map((l) => `${path.relative(program, l.file)}:${l.line}`).sort(), ["index.ts:12", "index.ts:8", "lib/storage.ts:5"]);
        assert.equal(log.runs[0].originalUriBaseIds["%SRCROOT%"].uri, `${pathToFileURL(elsewhere).href}/`);
    });

    it("locates resources named by a constant or a template literal at their constructor call, and names the program's variables in fixes", () => {
        const result = cli(["dry-run", "--format", "json", "--transpile-only", "test/fixtures/dry-run/named-resources"]);
        const [stack] = (JSON.parse(result.stdout) as Report).stacks;
        const byName = new Map(stack.violations.map((v) => [v.name, v]));
        assert.deepEqual(byName.get("audit-logs")?.location, { file: "test/fixtures/dry-run/named-resources/index.ts", line: 8 });
        assert.deepEqual(byName.get("dev-reports")?.location, { file: "test/fixtures/dry-run/named-resources/index.ts", line: 12 });
        assert.deepEqual(byName.get("dev-archive")?.location, { file: "test/fixtures/dry-run/named-resources/lib/storage.ts", line: 5 });
        assert.match(byName.get("audit-logs")?.message ?? "", /\{ bucket: auditBucket\.id,/);
        assert.match(byName.get("dev-reports")?.message ?? "", /\{ bucket: reports\.id,/);
    });

    it("sees in --mode up the outputs only a provider computes as unknown, so their rules give advisories", async () => {
        const result = cli(["dry-run", "--format", "json", "--transpile-only", "--mode", "up", "test/fixtures/dry-run/oidc-trust"]);
        const [stack] = (JSON.parse(result.stdout) as Report).stacks;
        assert.deepEqual(stack.violations.map((v) => `${v.level} ${v.name}`), ["mandatory deploy-by-url", "advisory deploy"]);

        const project = loadProject(path.join(FIXTURES, "oidc-trust"));
        const run = await runProgram(project, { preview: false, organization: "organization", packDir: PACK_DIR, timeoutMs: 120000 });
        assert.ok(run.ok, run.ok ? "" : run.error);
        const deploy = run.resources.find((r) => r.name === "deploy")!;
        assert.equal(deploy.properties.assumeRolePolicy, UNKNOWN_STRING, "built from the provider's ARN");
        const byUrl = run.resources.find((r) => r.name === "deploy-by-url")!;
        assert.match(String(byUrl.properties.assumeRolePolicy), /oidc-provider\/token\.actions\.githubusercontent\.com/, "built from inputs: known");
    });

    it("keeps them unknown in --mode up with an SDK that predates the engine's unknown mark", async () => {
        const project = loadProject(path.join(FIXTURES, "oidc-trust-older-sdk"));
        const run = await runProgram(project, { preview: false, organization: "organization", packDir: PACK_DIR, timeoutMs: 120000 });
        assert.ok(run.ok, run.ok ? "" : run.error);
        assert.equal(run.resources.find((r) => r.name === "deploy")?.properties.assumeRolePolicy, UNKNOWN_STRING);
        assert.deepEqual(run.notes, []);
    });

    it("runs a program that requires config with the values given by --config-value, over its stack file", async () => {
        const args = ["--config-value", "bucketName=acme-records", "--config-value", "requires-config:retentionDays=0", "--config-value", "aws:region=eu-central-1"];
        const result = cli(["dry-run", "--format", "json", "--transpile-only", ...args, "test/fixtures/dry-run/requires-config"]);
        const [stack] = (JSON.parse(result.stdout) as Report).stacks;
        assert.equal(stack.error, undefined);
        assert.deepEqual(stack.violations.map((v) => `${v.level} ${v.policy} ${v.name} ${v.path}`), ["mandatory storage-object-lock-required records-lock rule.defaultRetention.days"]);

        const project = loadProject(path.join(FIXTURES, "requires-config"), undefined, parseConfigValues(args.filter((a) => a !== "--config-value")));
        const run = await runProgram(project, { preview: true, organization: "organization", packDir: PACK_DIR, timeoutMs: 120000 });
        assert.ok(run.ok, run.ok ? "" : run.error);
        assert.equal(run.resources.find((r) => r.name === "records")?.properties.bucket, "acme-records-eu-central-1");
    });
});

describe("npm run dry-run, the first quick-start command", function () {
    this.timeout(300000);

    it("prints a readable report for every example and exits 0 though the violating examples violate", () => {
        const npm = process.platform === "win32" ? "npm.cmd" : "npm";
        const result = spawnSync(npm, ["run", "--silent", "dry-run"], { cwd: PACK_DIR, encoding: "utf8" });
        assert.equal(result.status, 0, result.stderr);
        for (const name of exampleNames) {
            assert.match(result.stdout, new RegExp(`^examples/${name}  \\(project [^,]+, stack [^,]+, \\d+ resources(, config [^)]+)?\\)$`, "m"));
        }
        assert.match(result.stdout, /^Policy Violations:$/m);
        assert.match(result.stdout, /^ {4}\[mandatory\]  immutable-guard v\d+\.\d+\.\d+  container-image-digest-required  \(frontend: kubernetes:apps\/v1:Deployment\)$/m);
        assert.match(result.stdout, new RegExp(`^${exampleNames.length} programs, \\d+ resources analyzed: \\d+ mandatory violations?, \\d+ advisory violations?\\.$`, "m"));
        assert.match(result.stdout, /--soft-fail: mandatory violations are reported but do not fail this run\./);
        assert.doesNotMatch(result.stdout, /\x1b\[/, "no colour when not writing to a terminal");
    });
});
