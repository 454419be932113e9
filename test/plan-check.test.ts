import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { setClock } from "../rules/lib/exemptions";
import { UNKNOWN_STRING } from "../rules/lib/unknowns";
import { runCommand } from "./lib/cli";
import { clone } from "./lib/fixtures";
import { AWS, exportPath, KUBERNETES } from "./lib/stack-export";

const preview = (name: string) => path.join(__dirname, "fixtures", "previews", `${name}.json`);

function writeJson(name: string, value: unknown): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ig-plan-")), name);
    fs.writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value));
    return file;
}

function readPreview(name: string): { steps: Record<string, unknown>[] } {
    return JSON.parse(fs.readFileSync(preview(name), "utf8")) as { steps: Record<string, unknown>[] };
}

/** The preview's one `update` step: the engine orders steps as it runs them, not as the program registers them. */
function updateStep<T>(document: { steps: Record<string, unknown>[] }): T {
    const updates = document.steps.filter((step) => step.op === "update");
    assert.equal(updates.length, 1);
    return updates[0] as T;
}

describe("immutable-guard plan-check", () => {
    afterEach(() => setClock(() => new Date()));

    it("fails an in-place update of a flagged S3 bucket, naming what it touches and how to replace instead", async () => {
        const result = await runCommand(["plan-check", preview("aws-update-flagged-bucket")]);
        assert.equal(result.code, 1);
        assert.match(result.stdout, /1 in-place update of flagged resources blocked/);
        assert.match(result.stdout, new RegExp(`✗ update ${AWS.bucket.replace(/[$]/g, "\\$")}`));
        assert.match(result.stdout, /flagged immutable: tags\.immutable is "true" in its old state/);
        assert.match(result.stdout, /touches: tags\.env \(update\), tags\.owner \(add\), tagsAll\.env \(update\), tagsAll\.owner \(add\)/);
        assert.match(result.stdout, /pulumi up --replace '.*::audit-logs'/);
        assert.match(result.stdout, /replaceOnChanges: \["\*"\]/);
    });

    it("passes a replacement of the same flagged bucket", async () => {
        const result = await runCommand(["plan-check", preview("aws-replace-flagged-bucket")]);
        assert.equal(result.code, 0, result.stdout);
        assert.match(result.stdout, /no in-place update of a flagged resource \(4 steps, 0 updates\)/);
    });

    it("passes an in-place update of a resource that is not flagged", async () => {
        const result = await runCommand(["plan-check", preview("aws-update-unflagged-role")]);
        assert.equal(result.code, 0, result.stdout);
        // The engine lists a step for every resource, the read of the external VPC included.
        assert.match(result.stdout, /\(3 steps, 1 update\)/);
    });

    it("fails an update that removes the flag: it is still an in-place update of a flagged resource", async () => {
        const result = await runCommand(["plan-check", preview("aws-update-removes-flag")]);
        assert.equal(result.code, 1);
        assert.match(result.stdout, /touches: tags\.immutable \(delete\)/);
    });

    it("fails an in-place update of a flagged Kubernetes Deployment, naming the image path", async () => {
        const result = await runCommand(["plan-check", preview("kubernetes-update-flagged-deployment")]);
        assert.equal(result.code, 1);
        assert.match(result.stdout, /flagged immutable: metadata\.labels\.immutable is "true" in its old state/);
        assert.match(result.stdout, /touches: spec\.replicas \(update\), spec\.template\.spec\.containers\[0\]\.image \(update\)/);
        assert.doesNotMatch(result.stdout, /Job::migrate/, "a create passes");
    });

    it("passes the update step the engine gives a component whose inputs changed, even one flagged by its URN", async () => {
        const config = writeJson("policy-config.json", { "immutable-no-in-place-update": { tagKey: "frozen", urns: ["*::acme:k8s:WebService::checkout"] } });
        const result = await runCommand(["plan-check", preview("kubernetes-update-flagged-deployment"), "--config", config]);
        assert.equal(result.code, 0, result.stdout);
        assert.match(result.stdout, /\(4 steps, 1 update\)/, "the component's step is not counted as an update of a resource");
    });

    it("passes the replacement Kubernetes makes of a flagged ConfigMap whose data changed", async () => {
        assert.equal((await runCommand(["plan-check", preview("kubernetes-replace-flagged-configmap")])).code, 0);
    });

    it("passes a preview without changes", async () => {
        assert.equal((await runCommand(["plan-check", preview("aws-no-changes")])).code, 0);
    });

    it("fails an update flagged only in its new state", async () => {
        const document = readPreview("aws-update-unflagged-role");
        const step = updateStep<{ newState: { inputs: { tags: Record<string, string> } } }>(document);
        step.newState.inputs.tags.immutable = "true";
        const result = await runCommand(["plan-check", writeJson("preview.json", document)]);
        assert.equal(result.code, 1);
        assert.match(result.stdout, /tags\.immutable is "true" in its new state/);
    });

    it("uses the flag rules of --config", async () => {
        const config = writeJson("policy-config.json", { "immutable-no-in-place-update": { types: ["aws:iam/role:Role"] } });
        const result = await runCommand(["plan-check", preview("aws-update-unflagged-role"), "--config", config]);
        assert.equal(result.code, 1);
        assert.match(result.stdout, /its type aws:iam\/role:Role is listed in types/);
    });

    it("passes an update that touches only properties ignored for the type, and says so", async () => {
        const config = writeJson("policy-config.json", {
            "immutable-no-in-place-update": { ignoreProperties: { "kubernetes:apps/v1:Deployment": [{ path: "spec", reason: "rolled by Argo" }] } },
        });
        const result = await runCommand(["plan-check", preview("kubernetes-update-flagged-deployment"), "--config", config]);
        assert.equal(result.code, 0, result.stdout);
        assert.match(result.stdout, new RegExp(`note: ${KUBERNETES.deployment.replace(/[$]/g, "\\$")}: passed; the update touches only properties ignored`));
        assert.match(result.stdout, /reason: rolled by Argo\)/);
    });

    it("lets an exemption in force through and reports it", async () => {
        setClock(() => new Date("2026-11-23T12:00:00Z"));
        const exemptions = [{ urn: "*::audit-logs", reason: "CHG-1042 retag for the audit", expires: "2026-11-30" }];
        const config = writeJson("policy-config.json", { "immutable-no-in-place-update": { exemptions } });
        const result = await runCommand(["plan-check", preview("aws-update-flagged-bucket"), "--config", config]);
        assert.equal(result.code, 0);
        assert.match(result.stdout, /allowed by exemption "\*::audit-logs" until 2026-11-30 \(reason: CHG-1042 retag for the audit\)/);
        setClock(() => new Date("2026-12-01T00:00:00Z"));
        const expired = await runCommand(["plan-check", preview("aws-update-flagged-bucket"), "--config", config]);
        assert.equal(expired.code, 1, "not once expired");
        assert.match(expired.stdout, /note: .*exemption "\*::audit-logs" does not apply because it expired on 2026-11-30/);
    });

    it("passes an update whose new flag is unknown when the old state is not flagged, with a note", async () => {
        const document = readPreview("aws-update-unflagged-role");
        const step = updateStep<{ newState: { inputs: Record<string, unknown> } }>(document);
        step.newState.inputs.tags = UNKNOWN_STRING;
        const result = await runCommand(["plan-check", writeJson("preview.json", document)]);
        assert.equal(result.code, 0);
        assert.match(result.stdout, /note: .*app-role: passed; its old state is not flagged and whether the update flags it is not known \(tags is unknown\)/);
    });

    describe("malformed input: exit 2", () => {
        const cases: [string, () => string, RegExp][] = [
            ["text that is not JSON", () => writeJson("preview.json", "Previewing update (prod)\n"), /is not valid JSON/],
            ["a stack export", () => exportPath("aws-prod-show-secrets"), /is a stack export, not `pulumi preview --json` output/],
            ["an object that is not a preview", () => writeJson("preview.json", { resources: [] }), /is not `pulumi preview --json` output: it has none of steps/],
            ["steps that are not a list", () => writeJson("preview.json", { steps: { op: "update" } }), /steps must be a list/],
            ["a step without an op", () => {
                const document = readPreview("aws-update-flagged-bucket");
                delete document.steps[1].op;
                return writeJson("preview.json", document);
            }, /steps\[1\] has no op and urn/],
            ["a state that is not a resource", () => {
                const document = clone(readPreview("aws-update-flagged-bucket"));
                document.steps[1].oldState = "gone";
                return writeJson("preview.json", document);
            }, /steps\[1\]\.oldState is not a resource state/],
            ["a file that does not exist", () => "/nonexistent/preview.json", /cannot read the preview/],
        ];
        for (const [what, file, message] of cases) {
            it(`refuses ${what}`, async () => {
                const result = await runCommand(["plan-check", file()]);
                assert.equal(result.code, 2);
                assert.match(result.stderr, message);
                assert.equal(result.stdout, "");
            });
        }

        it("refuses an unknown option, naming it and pointing to --help", async () => {
            const result = await runCommand(["plan-check", preview("aws-update-flagged-bucket"), "--json"]);
            assert.equal(result.code, 2);
            assert.match(result.stderr, /^immutable-guard plan-check: Unknown option '--json'.*; see immutable-guard --help$/m);
        });

        it("refuses a --config the pack would refuse, naming the key", async () => {
            const config = writeJson("policy-config.json", { "immutable-no-in-place-update": { tagvalue: "yes" } });
            const result = await runCommand(["plan-check", preview("aws-update-flagged-bucket"), "--config", config]);
            assert.equal(result.code, 2);
            assert.match(result.stderr, /--config .*policy-config\.json is invalid:\n {2}- immutable-no-in-place-update\.tagvalue is not a known setting/);
        });

        it("refuses a --config with a bad ignored property", async () => {
            const config = writeJson("policy-config.json", {
                "immutable-no-in-place-update": { ignoreProperties: { "aws:s3/bucket:Bucket": [{ path: "tags[", reason: "r" }] } },
            });
            const result = await runCommand(["plan-check", preview("aws-update-flagged-bucket"), "--config", config]);
            assert.equal(result.code, 2);
            assert.match(result.stderr, /ignoreProperties\["aws:s3\/bucket:Bucket"\]\[0\]\.path must be a property path/);
        });
    });
});
