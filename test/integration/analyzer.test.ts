import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { secret, type PolicyPackProcess } from "../../cli/analyzer-client";
import { policies } from "../../rules";
import { UNKNOWN_STRING } from "../../rules/lib/unknowns";
import { urnOf } from "../lib/harness";
import { analyzedFixture as resource, PACK_DIR, packPerSuite } from "../lib/pack";

/**
 * The pack as the Pulumi CLI runs it: `run-policy-pack` from the pack's own node_modules,
 * talking gRPC to a stand-in engine, on the compiled pack that `npm ci` builds.
 */
describe("the pack over gRPC, started as the Pulumi CLI starts it", function () {
    this.timeout(120000);
    let pack: PolicyPackProcess;
    const reportFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ig-report-")), "report.jsonl");
    packPerSuite((started) => (pack = started), { env: { IMMUTABLE_GUARD_REPORT: reportFile } });

    it("answers GetPluginInfo with the policy SDK version", async () => {
        assert.match(await pack.getPluginInfo(), /^\d+\.\d+\.\d+/);
    });

    it("lists every policy of the pack with its level and config schema", async () => {
        const info = await pack.getAnalyzerInfo();
        const version = (JSON.parse(fs.readFileSync(path.join(PACK_DIR, "package.json"), "utf8")) as { version: string }).version;
        assert.equal(info.name, "immutable-guard");
        assert.equal(info.version, version);
        assert.equal(info.supportsConfig, true);
        assert.deepEqual(info.policies.map((p) => p.name), policies.map((p) => p.name));
        for (const policy of info.policies) {
            assert.equal(policy.enforcementLevel, "mandatory", policy.name);
            assert.ok(policy.configSchema?.exemptions, `${policy.name} accepts exemptions`);
            assert.ok(policy.remediationSteps.length > 20, `${policy.name} says how to fix`);
        }
    });

    it("refuses a config with an unknown key at Configure, naming the key", async () => {
        await assert.rejects(
            pack.configure({ "container-image-digest-required": { enforcementLevel: "mandatory", allowedRegistry: ["ghcr.io"] } }),
            /container-image-digest-required\.allowedRegistry is not a known setting/,
        );
    });

    it("refuses a config of the wrong type at Configure", async () => {
        await assert.rejects(
            pack.configure({ "container-image-digest-required": { enforcementLevel: "mandatory", exemptions: [{ urn: "*", reason: "r", expires: "soon" }] } }),
            /exemptions\.0\.expires must match pattern/,
        );
    });

    it("refuses config for a policy the pack does not have", async () => {
        await assert.rejects(pack.configure({ "image-digests": { enforcementLevel: "mandatory" } }), /"image-digests" is not a policy of this pack/);
    });

    it("accepts a valid config and stack configuration", async () => {
        await pack.configure({ "container-image-digest-required": { enforcementLevel: "mandatory", allowedRegistries: [] } });
        await pack.configureStack({ stack: "dev", project: "shop", dryRun: true, tags: { team: "payments" } });
    });

    it("returns a mandatory diagnostic for an image pinned by tag", async () => {
        const diagnostics = await pack.analyze(resource("container-image-digest-required", "deployment-init-container-tag"));
        assert.equal(diagnostics.length, 1);
        assert.equal(diagnostics[0].policyName, "container-image-digest-required");
        assert.equal(diagnostics[0].enforcementLevel, "mandatory");
        assert.match(diagnostics[0].message, /initContainers\[0\]\.image of checkout/);
    });

    it("returns nothing for a compliant resource", async () => {
        assert.deepEqual(await pack.analyze(resource("container-image-digest-required", "deployment-pinned")), []);
    });

    it("reports an unknown image as advisory rather than the SDK's generic preview advisory", async () => {
        const r = resource("container-image-digest-required", "lambda-image-tag");
        r.properties = { ...r.properties, imageUri: UNKNOWN_STRING };
        const diagnostics = await pack.analyze(r);
        assert.deepEqual(diagnostics.map((d) => d.enforcementLevel), ["advisory"]);
        assert.match(diagnostics[0].message, /checked when `pulumi up` runs/);
    });

    it("unwraps secret inputs and never prints them", async () => {
        const r = resource("container-image-digest-required", "ecs-task-definition-tag");
        r.properties = { ...r.properties, containerDefinitions: secret(r.properties.containerDefinitions) };
        const diagnostics = await pack.analyze(r);
        assert.equal(diagnostics.length, 1);
        assert.doesNotMatch(JSON.stringify(diagnostics), /tok_live_9f8e7d/);
    });

    it("runs stack validation over AnalyzeStack", async () => {
        const diagnostics = await pack.analyzeStack([
            resource("container-image-digest-required", "deployment-pinned"),
            resource("container-image-digest-required", "cronjob-latest"),
        ]);
        // Stack policies join as their rules land; resource findings are not repeated at stack level.
        assert.ok(diagnostics.every((d) => d.policyName.endsWith("-stack")));
    });

    it("appends each diagnostic it returns to the IMMUTABLE_GUARD_REPORT file", () => {
        const lines = fs.readFileSync(reportFile, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
        const tagged = lines.find((l) => l.name === "checkout" && l.policyName === "container-image-digest-required");
        assert.ok(tagged, "the tagged init container was recorded");
        assert.equal(tagged.enforcementLevel, "mandatory");
        assert.equal(tagged.urn, urnOf("kubernetes:apps/v1:Deployment", "checkout"));
        assert.equal(tagged.path, "spec.template.spec.initContainers[0].image");
        assert.doesNotMatch(fs.readFileSync(reportFile, "utf8"), /tok_live_9f8e7d|s3cr3t-pw/);
    });
});
