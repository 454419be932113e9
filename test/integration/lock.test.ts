import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { AnalyzedResource, PolicyPackProcess, ReturnedDiagnostic } from "../../cli/analyzer-client";
import { runCommand, runInstalled } from "../lib/cli";
import { clone } from "../lib/fixtures";
import { packPerSuite } from "../lib/pack";
import { AWS, exportPath, KUBERNETES, loadExport, PLAINTEXT_SECRETS, wireInputs } from "../lib/stack-export";

const POLICY = "immutable-no-in-place-update";

type Props = Record<string, any>;

function resource(exportName: string, urn: string, change?: (props: Props) => void): AnalyzedResource {
    const type = loadExport(exportName).deployment.resources.find((r) => r.urn === urn)?.type as string;
    const properties = clone(wireInputs(exportName, urn)) as Props;
    change?.(properties);
    return { type, urn, name: urn.slice(urn.lastIndexOf("::") + 2), properties };
}

const ours = (diagnostics: ReturnedDiagnostic[]) => diagnostics.filter((d) => d.policyName.startsWith(POLICY));

async function lockConfig(exportName: string): Promise<Record<string, Record<string, unknown>>> {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ig-e2e-")), "policy-config.json");
    const result = await runCommand(["lock", exportPath(exportName), "--out", file]);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, Record<string, unknown>>;
}

/**
 * End to end: `immutable-guard lock` on a stack export, then the pack started as the Pulumi CLI starts
 * it, configured with that lock over gRPC, judging the resources of the same stack.
 */
describe("the lock end to end: immutable-guard lock, then the pack over gRPC", function () {
    this.timeout(120000);
    let pack: PolicyPackProcess;
    packPerSuite(async (started) => {
        pack = started;
        await pack.configure(await lockConfig("aws-prod-show-secrets"));
        await pack.configureStack({ stack: "prod", project: "shop", dryRun: true });
    });

    it("accepts the lock config at Configure and advertises its schema", async () => {
        const info = await pack.getAnalyzerInfo();
        const policy = info.policies.find((p) => p.name === POLICY);
        assert.ok(policy?.configSchema?.lock && policy.configSchema.ignoreProperties && policy.configSchema.tagKey);
        assert.ok(info.policies.some((p) => p.name === `${POLICY}-stack`));
    });

    it("finds nothing when the inputs are unchanged, secrets included", async () => {
        for (const urn of [AWS.bucket, AWS.database, AWS.role]) {
            assert.deepEqual(ours(await pack.analyze(resource("aws-prod-show-secrets", urn))), [], urn);
        }
    });

    it("reports a changed property as a mandatory violation naming it", async () => {
        const diagnostics = ours(await pack.analyze(resource("aws-prod-show-secrets", AWS.bucket, (p) => (p.tags.env = "production"))));
        assert.equal(diagnostics.length, 1);
        assert.equal(diagnostics[0].policyName, POLICY);
        assert.equal(diagnostics[0].enforcementLevel, "mandatory");
        assert.match(diagnostics[0].message, /inputs differ from the lock: tags\.env changed/);
        assert.doesNotMatch(diagnostics[0].message, /production/);
    });

    it("reports a changed secret without its value", async () => {
        const diagnostics = ours(await pack.analyze(resource("aws-prod-show-secrets", AWS.database, (p) => (p.password.value = "n3w-Secr3t-v4lue"))));
        assert.equal(diagnostics.length, 1);
        assert.match(diagnostics[0].message, /password changed/);
        for (const secret of [...PLAINTEXT_SECRETS, "n3w-Secr3t-v4lue"]) {
            assert.ok(!JSON.stringify(diagnostics).includes(secret));
        }
    });

    it("allows a renamed resource: a new URN is a new resource", async () => {
        const renamed = resource("aws-prod-show-secrets", AWS.bucket, (p) => (p.tags.env = "production"));
        renamed.urn = `${AWS.bucket}-2026`;
        renamed.name = "audit-logs-2026";
        assert.deepEqual(ours(await pack.analyze(renamed)), []);
    });

    it("reports a locked resource whose flag was removed", async () => {
        const diagnostics = ours(await pack.analyze(resource("aws-prod-show-secrets", AWS.bucket, (p) => delete p.tags.immutable)));
        assert.ok(diagnostics.some((d) => d.enforcementLevel === "mandatory" && /no longer flagged immutable/.test(d.message)));
    });

    it("reports a flagged resource that sets ignoreChanges", async () => {
        const bucket = resource("aws-prod-show-secrets", AWS.bucket);
        bucket.options = { ignoreChanges: ["tags"] };
        const diagnostics = ours(await pack.analyze(bucket));
        assert.equal(diagnostics.length, 1);
        assert.equal(diagnostics[0].enforcementLevel, "mandatory");
        assert.match(diagnostics[0].message, /sets ignoreChanges \(`tags`\)/);
    });

    it("reports an archive it cannot compare as advisory", async () => {
        const diagnostics = ours(await pack.analyze(resource("aws-prod-show-secrets", AWS.function)));
        assert.deepEqual(diagnostics.map((d) => d.enforcementLevel), ["advisory"]);
        assert.match(diagnostics[0].message, /`code` \(an archive\)/);
    });

    it("reports a locked resource missing from the stack at AnalyzeStack, advisory", async () => {
        const stack = loadExport("aws-prod-show-secrets").deployment.resources
            .filter((r) => !r.delete && r.urn !== AWS.function)
            .map((r) => resource("aws-prod-show-secrets", r.urn));
        const diagnostics = ours(await pack.analyzeStack(stack));
        assert.deepEqual(diagnostics.map((d) => [d.policyName, d.enforcementLevel, d.urn]), [[`${POLICY}-stack`, "advisory", AWS.function]]);
    });

    it("takes a new lock at the next Configure", async () => {
        await pack.configure(await lockConfig("kubernetes-prod-show-secrets"));
        const image = resource("kubernetes-prod-show-secrets", KUBERNETES.deployment, (p) => {
            p.spec.template.spec.containers[0].image = "ghcr.io/acme/checkout:1.5.0@sha256:9a8b7c6d5e4f30211f2e3d4c5b6a79880f1e2d3c4b5a69788796a5b4c3d2e1f0";
        });
        const [finding, ...rest] = ours(await pack.analyze(image));
        assert.equal(rest.length, 0);
        assert.match(finding.message, /spec\.template\.spec\.containers\[0\]\.image changed/);
        assert.deepEqual(ours(await pack.analyze(resource("kubernetes-prod-show-secrets", KUBERNETES.secret))), []);
    });

    it("refuses a lock with a broken salt at Configure, naming the key", async () => {
        const config = await lockConfig("aws-prod-show-secrets");
        (config[POLICY].lock as Props).salt = 42;
        await assert.rejects(pack.configure(config), /immutable-no-in-place-update\.lock\.salt must be string/);
    });
});

describe("the immutable-guard command as installed", () => {
    it("locks a stack export read from standard input", () => {
        const result = runInstalled(["lock", "-"], fs.readFileSync(exportPath("kubernetes-prod-show-secrets")));
        assert.equal(result.status, 0, result.stderr);
        const config = JSON.parse(result.stdout) as Record<string, { lock: { resources: Record<string, unknown> } }>;
        assert.deepEqual(Object.keys(config[POLICY].lock.resources).length, 3);
    });

    it("exits 2 without a stack trace on a checkpoint read from standard input", () => {
        const result = runInstalled(["lock", "-"], fs.readFileSync(exportPath("bad-checkpoint")));
        assert.equal(result.status, 2);
        assert.match(result.stderr, /^immutable-guard lock: standard input is a checkpoint file/);
        assert.doesNotMatch(result.stderr, /\n\s+at /);
        assert.equal(result.stdout, "");
    });

    it("exits 1 from plan-check on an in-place update of a flagged resource", () => {
        const result = runInstalled(["plan-check", path.join(__dirname, "..", "fixtures", "previews", "aws-update-flagged-bucket.json")]);
        assert.equal(result.status, 1);
        assert.match(result.stdout, /tags\.env \(update\)/);
    });
});
