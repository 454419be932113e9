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

interface Expected {
    exitCode: 0 | 1 | 2;
    violations: { policy: string; resource: string; level: "mandatory" | "advisory" }[];
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
            const wanted = expected;
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
        const stringData = byName.get("webhook-token")?.properties.stringData as Record<string, unknown>;
        assert.equal(stringData["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270", "sent secret-wrapped");
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
