import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PolicyPackProcess } from "../../cli/analyzer-client";
import type { Report } from "../../cli/output/report";
import { policies } from "../../rules";
import { UNKNOWN_STRING } from "../../rules/lib/unknowns";
import { runInstalled } from "../lib/cli";
import { urnOf } from "../lib/harness";
import { analyzedFixture, PACK_DIR } from "../lib/pack";
import { assertValidReport, assertValidSarif } from "../lib/schemas";

const resource = (name: string) => analyzedFixture("container-image-digest-required", name);
const report = (args: string[]) => runInstalled(["report", ...args]);

/**
 * The report file as a real `pulumi preview` writes it: the pack started as the CLI starts it,
 * with IMMUTABLE_GUARD_REPORT in its environment, analyzing resources over gRPC.
 */
describe("immutable-guard report on the file the pack writes during a preview", function () {
    this.timeout(120000);
    let file: string;

    before(async () => {
        file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ig-report-")), "policy-report.jsonl");
        const pack = await PolicyPackProcess.start(PACK_DIR, { env: { IMMUTABLE_GUARD_REPORT: file } });
        try {
            await pack.configure({ "container-image-digest-required": { enforcementLevel: "mandatory" } });
            await pack.configureStack({ stack: "dev", project: "shop", dryRun: true });
            const tagged = resource("deployment-init-container-tag");
            await pack.analyze(tagged);
            await pack.analyze(resource("deployment-pinned"));
            const lambda = resource("lambda-image-tag");
            await pack.analyze({ ...lambda, properties: { ...lambda.properties, imageUri: UNKNOWN_STRING } });
            // `pulumi up` analyzes again after its preview: the same finding is written twice.
            await pack.analyze(tagged);
        } finally {
            await pack.stop();
        }
    });

    it("renders the findings like the dry run, grouped by stack, and exits 1 on a mandatory one", () => {
        const result = report([file]);
        assert.equal(result.status, 1, result.stderr);
        assert.match(result.stdout, /^shop\/dev {2}\(project shop, stack dev\)$/m);
        assert.match(result.stdout, /^ {4}\[mandatory\]  immutable-guard v\d+\.\d+\.\d+  container-image-digest-required  \(checkout: kubernetes:apps\/v1:Deployment\)$/m);
        assert.match(result.stdout, /^ {4}\[advisory\]  .* container-image-digest-required  \(resize: aws:lambda\/function:Function\)$/m);
        assert.match(result.stdout, /^1 stack: 1 mandatory violation, 1 advisory violation\.$/m);
    });

    it("shows a finding written twice (preview, then update) once", () => {
        const parsed = JSON.parse(report([file, "--format", "json"]).stdout) as Report;
        const lines = fs.readFileSync(file, "utf8").trim().split("\n");
        assert.equal(lines.length, 3);
        assert.equal(parsed.stacks[0].violations.length, 2);
    });

    it("prints JSON that matches the dry run's schema, with each finding's property path", () => {
        const parsed = JSON.parse(report([file, "--format", "json"]).stdout) as Report;
        assertValidReport(parsed);
        assert.equal(parsed.source, "report");
        assert.deepEqual(parsed.stacks.map((s) => [s.project, s.stack]), [["shop", "dev"]]);
        const checkout = parsed.stacks[0].violations.find((v) => v.name === "checkout");
        assert.equal(checkout?.path, "spec.template.spec.initContainers[0].image");
        assert.equal(checkout?.urn, urnOf("kubernetes:apps/v1:Deployment", "checkout"));
        assert.deepEqual(parsed.policies.map((p) => p.name), policies.map((p) => p.name));
    });

    it("prints SARIF 2.1.0 that points at the program when told where it is", () => {
        const result = report([file, "--format", "sarif", "--program", "test/fixtures/dry-run/shop"]);
        const log = JSON.parse(result.stdout) as { runs: { results: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] };
        assertValidSarif(log);
        const [mandatory, advisory] = log.runs[0].results;
        assert.equal(mandatory.ruleId, "container-image-digest-required");
        assert.equal(mandatory.level, "error");
        assert.equal(advisory.level, "warning");
        assert.equal(mandatory.locations[0].physicalLocation.artifactLocation.uri, "test/fixtures/dry-run/shop/index.ts");
        assert.equal(mandatory.locations[0].physicalLocation.region.startLine, 5);
    });

    it("still gives every SARIF result a location without a program: the report file", () => {
        const log = JSON.parse(report([file, "--format", "sarif"]).stdout) as { runs: { results: { locations: unknown[] }[] }[] };
        assertValidSarif(log);
        assert.ok(log.runs[0].results.every((r) => r.locations.length === 1));
    });

    it("exits 0 with --soft-fail", () => {
        assert.equal(report([file, "--soft-fail"]).status, 0);
    });

    it("exits 2 on a line that is not a diagnostic, naming the line", () => {
        const bad = path.join(path.dirname(file), "bad.jsonl");
        fs.writeFileSync(bad, fs.readFileSync(file, "utf8") + "{\"policyName\": \"x\"}\n");
        const result = report([bad]);
        assert.equal(result.status, 2);
        assert.match(result.stderr, /bad\.jsonl:4 is not an immutable-guard diagnostic/);
    });

    it("exits 2 on a file that cannot be read", () => {
        const result = report(["no-such-report.jsonl"]);
        assert.equal(result.status, 2);
        assert.match(result.stderr, /cannot read no-such-report\.jsonl: ENOENT/);
    });
});
