import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkedInputs } from "../cli/dry-run/provider-check";
import { immutableNoInPlaceUpdate as policy, immutableNoInPlaceUpdateStack as stackPolicy } from "../rules/immutable-no-in-place-update";
import { setPackFlagRules } from "../rules/lib/flagging";
import type { Lock } from "../rules/lib/lock";
import { UNKNOWN_OBJECT, UNKNOWN_STRING } from "../rules/lib/unknowns";
import { advisory, mandatory, runResourcePolicy, runStackPolicy, theOnly, type Fixture } from "./lib/harness";
import { clone } from "./lib/fixtures";
import { runCommand } from "./lib/cli";
import { registeredWithMocks } from "./lib/mocks";
import { analyzed, AWS, KUBERNETES, loadExport, lockOf, PLAINTEXT_SECRETS } from "./lib/stack-export";

const awsLock = lockOf("aws-prod-show-secrets");
const kubernetesLock = lockOf("kubernetes-prod-show-secrets");

const withLock = (lock: Lock, extra: Record<string, unknown> = {}) => ({ lock, ...extra });

type Props = Record<string, any>;

function changed(fixture: Fixture, change: (props: Props) => void): Fixture {
    const copy = { ...fixture, props: clone(fixture.props) };
    change(copy.props as Props);
    return copy;
}

describe("immutable-no-in-place-update", () => {
    afterEach(() => setPackFlagRules(undefined));

    describe("inputs compared with the lock", () => {
        for (const [name, lock] of [["aws-prod-show-secrets", awsLock], ["kubernetes-prod-show-secrets", kubernetesLock]] as const) {
            it(`passes every locked resource of ${name} when the program is unchanged`, async () => {
                const urns = Object.keys(lock.resources);
                assert.ok(urns.length >= 3, "the fixture locks several resources");
                for (const urn of urns) {
                    const reported = await runResourcePolicy(policy, analyzed(name, urn), withLock(lock));
                    assert.deepEqual(mandatory(reported), [], urn);
                }
            });
        }

        it("rejects a changed tag, naming the path and both fingerprints", async () => {
            const bucket = changed(analyzed("aws-prod-show-secrets", AWS.bucket), (p) => (p.tags.env = "production"));
            const finding = theOnly(mandatory(await runResourcePolicy(policy, bucket, withLock(awsLock))));
            assert.match(finding.message, /^audit-logs \(aws:s3\/bucket:Bucket\): inputs differ from the lock: tags\.env changed \(lock [\w-]{10}, now [\w-]{10}\)\./);
            assert.match(finding.message, /new logical name/);
            assert.match(finding.message, /pulumi up --replace/);
            assert.doesNotMatch(finding.message, /production/, "values are never quoted");
        });

        it("rejects a changed container image of a Deployment at its full path", async () => {
            const deployment = changed(analyzed("kubernetes-prod-show-secrets", KUBERNETES.deployment), (p) => {
                p.spec.template.spec.containers[0].image = "ghcr.io/acme/checkout:1.5.0";
            });
            const [finding] = mandatory(await runResourcePolicy(policy, deployment, withLock(kubernetesLock)));
            assert.match(finding.message, /spec\.template\.spec\.containers\[0\]\.image changed/);
        });

        it("lists added and removed properties", async () => {
            const deployment = changed(analyzed("kubernetes-prod-show-secrets", KUBERNETES.deployment), (p) => {
                p.spec.minReadySeconds = 10;
                delete p.spec.template.spec.containers[0].resources.limits;
            });
            const [finding] = mandatory(await runResourcePolicy(policy, deployment, withLock(kubernetesLock)));
            assert.match(finding.message, /spec\.minReadySeconds added \(now [\w-]{10}\)/);
            assert.match(finding.message, /spec\.template\.spec\.containers\[0\]\.resources\.limits\.memory removed \(lock [\w-]{10}\)/);
        });

        it("quotes label keys that are not plain names the way the engine writes paths", async () => {
            const deployment = changed(analyzed("kubernetes-prod-show-secrets", KUBERNETES.deployment), (p) => {
                p.metadata.labels["app.kubernetes.io/version"] = "1.4.2";
            });
            const [finding] = mandatory(await runResourcePolicy(policy, deployment, withLock(kubernetesLock)));
            assert.match(finding.message, /metadata\.labels\["app\.kubernetes\.io\/version"\] added/);
        });

        it("names a changed secret without ever showing its value", async () => {
            const database = changed(analyzed("aws-prod-show-secrets", AWS.database), (p) => (p.password = "an0ther-Passw0rd!"));
            const reported = await runResourcePolicy(policy, database, withLock(awsLock));
            const [finding] = mandatory(reported);
            assert.match(finding.message, /password changed \(lock [\w-]{10}, now [\w-]{10}\)/);
            for (const secret of [...PLAINTEXT_SECRETS, "an0ther-Passw0rd!"]) {
                assert.doesNotMatch(JSON.stringify(reported), new RegExp(secret.replace(/[.*+?^${}()|[\]\\#]/g, "\\$&")));
            }
        });

        it("compares a Kubernetes Secret's data (its stringData as the provider stores it), secret as a whole, as one value", async () => {
            const unchanged = analyzed("kubernetes-prod-show-secrets", KUBERNETES.secret);
            assert.deepEqual(mandatory(await runResourcePolicy(policy, unchanged, withLock(kubernetesLock))), []);
            const rotated = changed(unchanged, (p) => (p.data.password = Buffer.from("rotated-9f8e").toString("base64")));
            const [finding] = mandatory(await runResourcePolicy(policy, rotated, withLock(kubernetesLock)));
            assert.match(finding.message, /data changed/);
            assert.doesNotMatch(finding.message, /data\.password/, "the inside of a secret is not described");
        });

        it("does not care about key order", async () => {
            const bucket = analyzed("aws-prod-show-secrets", AWS.bucket);
            const reversed = (o: Props): Props => Object.fromEntries(Object.entries(o).reverse().map(([k, v]) =>
                [k, v && typeof v === "object" && !Array.isArray(v) ? reversed(v) : v]));
            assert.deepEqual(await runResourcePolicy(policy, { ...bucket, props: reversed(bucket.props) }, withLock(awsLock)), []);
        });

        it("treats a null input as absent", async () => {
            const bucket = changed(analyzed("aws-prod-show-secrets", AWS.bucket), (p) => (p.accelerationStatus = null));
            assert.deepEqual(await runResourcePolicy(policy, bucket, withLock(awsLock)), []);
        });

        it("passes when the program is unchanged but a property is ignored by config with a reason", async () => {
            const deployment = changed(analyzed("kubernetes-prod-show-secrets", KUBERNETES.deployment), (p) => (p.spec.replicas = 5));
            const ignoreProperties = { "kubernetes:apps/v1:Deployment": [{ path: "spec.replicas", reason: "the autoscaler owns replicas" }] };
            assert.deepEqual(await runResourcePolicy(policy, deployment, withLock(kubernetesLock, { ignoreProperties })), []);
            const other = { "kubernetes:apps/v1:StatefulSet": ignoreProperties["kubernetes:apps/v1:Deployment"] };
            assert.equal(mandatory(await runResourcePolicy(policy, deployment, withLock(kubernetesLock, { ignoreProperties: other }))).length, 1,
                "ignoring is per type");
        });

        it("accepts wildcards in ignored paths", async () => {
            const deployment = changed(analyzed("kubernetes-prod-show-secrets", KUBERNETES.deployment), (p) => {
                p.spec.template.spec.containers[0].resources.requests.cpu = "500m";
            });
            const ignoreProperties = { "kubernetes:apps/v1:Deployment": [{ path: "spec.template.spec.containers[*].resources", reason: "tuned by VPA" }] };
            assert.deepEqual(await runResourcePolicy(policy, deployment, withLock(kubernetesLock, { ignoreProperties })), []);
        });

        it("fails closed on an ignored property without a reason", async () => {
            const ignoreProperties = { "kubernetes:apps/v1:Deployment": [{ path: "spec.replicas", reason: " " }] };
            const [finding] = mandatory(await runResourcePolicy(policy, analyzed("kubernetes-prod-show-secrets", KUBERNETES.deployment),
                withLock(kubernetesLock, { ignoreProperties })));
            assert.match(finding.message, /policy config is invalid \(ignoreProperties\["kubernetes:apps\/v1:Deployment"\]\[0\] needs a reason\)/);
        });

        it("fails closed on a lock that was tampered with, naming the key", async () => {
            const lock = clone(awsLock);
            lock.resources[AWS.bucket].properties["tags.env"] = "not-a-fingerprint";
            const [finding] = mandatory(await runResourcePolicy(policy, analyzed("aws-prod-show-secrets", AWS.bucket), withLock(lock)));
            assert.match(finding.message, /lock\.resources\[".*::audit-logs"\]\.properties\["tags\.env"\] must be a fingerprint/);
        });

        it("locks and compares resources flagged by type in config", async () => {
            const flags = { types: ["aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"] };
            const lock = lockOf("aws-prod-show-secrets", flags);
            assert.ok(lock.resources[AWS.lockConfiguration], "the retention rule is locked");
            const shorter = changed(analyzed("aws-prod-show-secrets", AWS.lockConfiguration), (p) => (p.rule.defaultRetention.days = 30));
            const [finding] = mandatory(await runResourcePolicy(policy, shorter, { ...flags, lock }));
            assert.match(finding.message, /rule\.defaultRetention\.days changed/);
        });
    });

    describe("provider bookkeeping", () => {
        it("does not count nested __defaults lists as inputs", async () => {
            const bucket = changed(analyzed("aws-prod-show-secrets", AWS.bucket), (p) => delete p.tags.__defaults);
            assert.deepEqual(await runResourcePolicy(policy, bucket, withLock(awsLock)), []);
            const more = changed(analyzed("aws-prod-show-secrets", AWS.bucket), (p) => (p.tags.__defaults = ["env"]));
            assert.deepEqual(await runResourcePolicy(policy, more, withLock(awsLock)), []);
        });

        it("does not count the Kubernetes provider's managed-by label", async () => {
            const deployment = changed(analyzed("kubernetes-prod-show-secrets", KUBERNETES.deployment), (p) => {
                delete p.metadata.labels["app.kubernetes.io/managed-by"];
            });
            assert.deepEqual(await runResourcePolicy(policy, deployment, withLock(kubernetesLock)), []);
        });

        it("accepts a bucket name the provider generated again, as after `pulumi up --replace`", async () => {
            const bucket = changed(analyzed("aws-prod-show-secrets", AWS.bucket), (p) => (p.bucket = "audit-logs-9e8d7c6"));
            assert.deepEqual(await runResourcePolicy(policy, bucket, withLock(awsLock)), []);
        });

        it("rejects a bucket name the user set in place of the generated one", async () => {
            const bucket = changed(analyzed("aws-prod-show-secrets", AWS.bucket), (p) => (p.bucket = "acme-audit-archive"));
            const [finding] = mandatory(await runResourcePolicy(policy, bucket, withLock(awsLock)));
            assert.match(finding.message, /bucket changed/);
        });

        it("accepts a Kubernetes name the provider generated again while the object stays autonamed", async () => {
            const deployment = changed(analyzed("kubernetes-prod-show-secrets", KUBERNETES.deployment), (p) => (p.metadata.name = "checkout-77aa0e1f"));
            assert.deepEqual(await runResourcePolicy(policy, deployment, withLock(kubernetesLock)), []);
            const named = changed(deployment, (p) => delete p.metadata.annotations["pulumi.com/autonamed"]);
            const [finding] = mandatory(await runResourcePolicy(policy, named, withLock(kubernetesLock)));
            assert.match(finding.message, /metadata\.name changed/);
        });
    });

    describe("resources that are not simply compared", () => {
        it("allows a flagged resource that is not in the lock: it is new", async () => {
            const bucket = analyzed("aws-prod-show-secrets", AWS.bucket);
            const renamed = { ...bucket, name: "audit-logs-v2", urn: bucket.urn.replace(/audit-logs$/, "audit-logs-v2") };
            assert.deepEqual(await runResourcePolicy(policy, renamed, withLock(awsLock)), []);
        });

        it("compares a resource renamed with an alias against the entry of the URN it aliases", async () => {
            const bucket = changed(analyzed("aws-prod-show-secrets", AWS.bucket), (p) => (p.tags.env = "production"));
            const renamed = { ...bucket, name: "audit-logs-v2", urn: `${AWS.bucket}-v2`, opts: { aliases: [AWS.bucket] } };
            const [finding] = mandatory(await runResourcePolicy(policy, renamed, withLock(awsLock)));
            assert.match(finding.message, /inputs differ from the lock \(as .*::audit-logs, which it aliases\): tags\.env changed/);
            assert.deepEqual(await runResourcePolicy(policy, { ...renamed, props: analyzed("aws-prod-show-secrets", AWS.bucket).props }, withLock(awsLock)), []);
        });

        it("rejects a locked resource whose flag was removed", async () => {
            const bucket = changed(analyzed("aws-prod-show-secrets", AWS.bucket), (p) => delete p.tags.immutable);
            const reported = mandatory(await runResourcePolicy(policy, bucket, withLock(awsLock)));
            assert.equal(reported.length, 2);
            assert.match(reported[0].message, /is in the lock but no longer flagged immutable: removing the flag weakens/);
            assert.match(reported[1].message, /tags\.immutable removed/);
        });

        it("rejects a locked resource unflagged by config just the same", async () => {
            const flags = { types: ["aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"] };
            const lock = lockOf("aws-prod-show-secrets", flags);
            const [finding] = mandatory(await runResourcePolicy(policy, analyzed("aws-prod-show-secrets", AWS.lockConfiguration), { lock }));
            assert.match(finding.message, /no longer flagged immutable/);
        });

        it("rejects a flagged resource that sets ignoreChanges, lock or no lock", async () => {
            const bucket = { ...analyzed("aws-prod-show-secrets", AWS.bucket), opts: { ignoreChanges: ["tags"] } };
            for (const config of [withLock(awsLock), {}]) {
                const [finding] = mandatory(await runResourcePolicy(policy, bucket, config));
                assert.match(finding.message, /sets ignoreChanges \(`tags`\) although it is flagged immutable \(tags\.immutable is "true"\)/);
            }
        });

        it("leaves an unflagged resource with ignoreChanges alone", async () => {
            const role = { ...analyzed("aws-prod-show-secrets", AWS.role), opts: { ignoreChanges: ["tags"] } };
            assert.deepEqual(await runResourcePolicy(policy, role, withLock(awsLock)), []);
        });

        it("never looks at provider resources, even when a URN glob flags everything", async () => {
            const provider = { type: "pulumi:providers:aws", urn: AWS.provider, name: "default_7_48_0", props: { region: "eu-west-1" }, opts: { ignoreChanges: ["region"] } };
            assert.deepEqual(await runResourcePolicy(policy, provider, { urns: ["*"] }), []);
        });
    });

    describe("values not known or not verifiable", () => {
        it("reports a locked property unknown at preview as may change, advisory, and checks the rest", async () => {
            const deployment = changed(analyzed("kubernetes-prod-show-secrets", KUBERNETES.deployment), (p) => {
                p.spec.template.spec.containers[0].image = UNKNOWN_STRING;
            });
            const reported = await runResourcePolicy(policy, deployment, withLock(kubernetesLock));
            assert.deepEqual(mandatory(reported), []);
            assert.equal(advisory(reported).length, 1);
            assert.match(advisory(reported)[0].message, /`spec\.template\.spec\.containers\[0\]\.image` is computed from other resources .* compared exactly when `pulumi up` runs/);
            const alsoChanged = changed(deployment, (p) => (p.spec.replicas = 5));
            assert.match(mandatory(await runResourcePolicy(policy, alsoChanged, withLock(kubernetesLock)))[0].message, /spec\.replicas changed/);
        });

        it("reports a whole unknown object as may change without calling its locked leaves removed", async () => {
            const deployment = changed(analyzed("kubernetes-prod-show-secrets", KUBERNETES.deployment), (p) => (p.spec.template = UNKNOWN_OBJECT));
            const reported = await runResourcePolicy(policy, deployment, withLock(kubernetesLock));
            assert.deepEqual(mandatory(reported), []);
            assert.match(advisory(reported)[0].message, /`spec\.template`/);
        });

        it("counts an unknown property the lock does not have as a change", async () => {
            const bucket = changed(analyzed("aws-prod-show-secrets", AWS.bucket), (p) => (p.policy = UNKNOWN_STRING));
            const [finding] = mandatory(await runResourcePolicy(policy, bucket, withLock(awsLock)));
            assert.match(finding.message, /policy added \(now unknown until `pulumi up`\)/);
        });

        it("records encrypted secrets as not verifiable and says how to get a complete lock", async () => {
            const lock = lockOf("aws-prod-encrypted");
            assert.equal(lock.secrets, "encrypted");
            assert.deepEqual(lock.resources[AWS.database].unverifiable, { password: "an encrypted secret in the export" });
            assert.equal(lock.resources[AWS.database].properties.password, undefined);
            const reported = await runResourcePolicy(policy, analyzed("aws-prod-show-secrets", AWS.database), withLock(lock));
            assert.deepEqual(mandatory(reported), []);
            assert.match(advisory(reported)[0].message, /cannot be verified against the lock at `password` \(an encrypted secret in the export\)/);
            assert.match(advisory(reported)[0].message, /pulumi stack export --show-secrets \| immutable-guard lock -/);
        });

        it("still catches other changes when the lock was made from an encrypted export", async () => {
            const lock = lockOf("aws-prod-encrypted");
            const database = changed(analyzed("aws-prod-show-secrets", AWS.database), (p) => (p.instanceClass = "db.r7g.large"));
            const [finding] = mandatory(await runResourcePolicy(policy, database, withLock(lock)));
            assert.match(finding.message, /instanceClass changed/);
            assert.doesNotMatch(finding.message, /password/);
        });

        it("notices an input removed where the lock could record no fingerprint", async () => {
            const lock = lockOf("aws-prod-encrypted");
            const database = changed(analyzed("aws-prod-show-secrets", AWS.database), (p) => delete p.password);
            const [finding] = mandatory(await runResourcePolicy(policy, database, withLock(lock)));
            assert.match(finding.message, /inputs differ from the lock: password removed\./);
        });

        it("reports a function's code archive as not verifiable rather than passing it silently", async () => {
            const reported = await runResourcePolicy(policy, analyzed("aws-prod-show-secrets", AWS.function), withLock(awsLock));
            assert.deepEqual(mandatory(reported), []);
            assert.match(advisory(reported)[0].message, /`code` \(an archive\).*immutable-guard plan-check/);
        });

        it("treats a secret `pulumi policy analyze` could not decrypt as not verifiable", async () => {
            const database = changed(analyzed("aws-prod-show-secrets", AWS.database), (p) => (p.password = "[secret]"));
            const reported = await runResourcePolicy(policy, database, withLock(awsLock));
            assert.deepEqual(mandatory(reported), []);
            assert.match(advisory(reported)[0].message, /`password` \(a secret the engine could not decrypt\)/);
        });
    });

    describe("where the lock comes from", () => {
        it("tells a flagged resource of another stack that the lock is not for it", async () => {
            const bucket = analyzed("aws-prod-show-secrets", AWS.bucket);
            const dev = { ...bucket, urn: AWS.bucket.replace("urn:pulumi:prod::", "urn:pulumi:dev::") };
            const reported = await runResourcePolicy(policy, dev, withLock(awsLock));
            assert.deepEqual(mandatory(reported), []);
            assert.match(advisory(reported)[0].message, /lock in the policy config was made for stack shop\/prod/);
        });

        it("reads a lock shipped in the pack through lockFile, and inline config wins", async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ig-lockfile-"));
            const file = path.join(dir, "prod.lock.json");
            fs.writeFileSync(file, JSON.stringify({ "immutable-no-in-place-update": { lock: awsLock } }));
            const bucket = changed(analyzed("aws-prod-show-secrets", AWS.bucket), (p) => (p.tags.env = "production"));
            assert.equal(mandatory(await runResourcePolicy(policy, bucket, { lockFile: file })).length, 1);
            assert.deepEqual(await runResourcePolicy(policy, bucket, { lockFile: file, lock: lockOf("aws-prod-show-secrets", { tagKey: "no-such-tag" }) }), []);
        });

        it("fails closed on a lockFile that cannot be read", async () => {
            const [finding] = mandatory(await runResourcePolicy(policy, analyzed("aws-prod-show-secrets", AWS.bucket), { lockFile: "/nonexistent/prod.lock.json" }));
            assert.match(finding.message, /lockFile names "\/nonexistent\/prod\.lock\.json", which cannot be read/);
        });
    });

    describe("the flagged-lock example", () => {
        const dir = path.join(__dirname, "..", "examples", "flagged-lock");

        it("commits the lock that `immutable-guard lock` makes of its stack export", async () => {
            const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ig-example-")), "policy-config.json");
            const configFile = path.join(dir, "policy-config.json");
            const result = await runCommand(["lock", path.join(dir, "stack-export.json"), "--config", configFile, "--out", out]);
            assert.equal(result.code, 0, result.stderr);
            assert.equal(fs.readFileSync(out, "utf8"), fs.readFileSync(configFile, "utf8"));
        });

        it("blocks the program's in-place change of the locked bucket, and only that", async function () {
            this.timeout(60000);
            // The lock comes from a real export, so the inputs are those the aws provider's Check returns (tagsAll, region).
            const provider = { region: "eu-west-1", version: "7.48.0" };
            const registered = (await registeredWithMocks(path.join(dir, "index.ts"), "flagged-lock", "dev", 3))
                .map((r) => ({ ...r, props: checkedInputs(r.type, r.urn ?? "", r.props, provider, "7.48.0") }));
            const config = JSON.parse(fs.readFileSync(path.join(dir, "policy-config.json"), "utf8"))["immutable-no-in-place-update"];
            const findings = [];
            for (const resource of registered) {
                findings.push(...await runResourcePolicy(policy, resource, config));
            }
            assert.equal(findings.length, 1);
            assert.equal(findings[0].level, "mandatory");
            assert.match(findings[0].message, /^audit-logs \(aws:s3\/bucket:Bucket\): inputs differ from the lock: forceDestroy changed \(lock KjWONR8uVg, now [\w-]{10}\)\./);
            assert.deepEqual(await runStackPolicy(stackPolicy, registered, config), []);
        });
    });

    describe("the stack half", () => {
        const stackOf = (name: string) => loadExport(name).deployment.resources
            .filter((r) => !r.delete)
            .map((r) => analyzed(name, r.urn));

        it("passes a stack that still has every locked resource", async () => {
            assert.deepEqual(await runStackPolicy(stackPolicy, stackOf("aws-prod-show-secrets"), withLock(awsLock)), []);
        });

        it("reports a locked resource missing from the stack as a deletion, advisory by default", async () => {
            const resources = stackOf("kubernetes-prod-show-secrets").filter((r) => r.urn !== KUBERNETES.configMap);
            const reported = await runStackPolicy(stackPolicy, resources, withLock(kubernetesLock));
            assert.deepEqual(reported.map((r) => [r.level, r.urn]), [["advisory", KUBERNETES.configMap]]);
            assert.match(reported[0].message, /^checkout-config \(kubernetes:core\/v1:ConfigMap\): is in the lock but not in the stack: a locked resource is being deleted/);
        });

        it("makes the deletion mandatory when configured so", async () => {
            const resources = stackOf("kubernetes-prod-show-secrets").filter((r) => r.urn !== KUBERNETES.configMap);
            const reported = await runStackPolicy(stackPolicy, resources, withLock(kubernetesLock, { missingLockedResources: "mandatory" }));
            assert.deepEqual(reported.map((r) => r.level), ["mandatory"]);
        });

        it("counts a resource renamed with an alias as present", async () => {
            const resources = stackOf("kubernetes-prod-show-secrets").map((r) => r.urn === KUBERNETES.configMap
                ? { ...r, urn: `${r.urn}-v2`, opts: { aliases: [KUBERNETES.configMap] } } : r);
            assert.deepEqual(await runStackPolicy(stackPolicy, resources, withLock(kubernetesLock)), []);
        });

        it("reads the lock from the immutable-no-in-place-update config when its own config has none", async () => {
            setPackFlagRules({ lock: kubernetesLock, missingLockedResources: "mandatory" });
            const resources = stackOf("kubernetes-prod-show-secrets").filter((r) => r.urn !== KUBERNETES.secret);
            const reported = await runStackPolicy(stackPolicy, resources, {});
            assert.deepEqual(reported.map((r) => [r.level, r.urn]), [["mandatory", KUBERNETES.secret]]);
            const own = await runStackPolicy(stackPolicy, resources, { missingLockedResources: "advisory" });
            assert.deepEqual(own.map((r) => r.level), ["advisory"], "its own keys override the shared ones");
        });

        it("says nothing about a lock made for another stack", async () => {
            const resources = stackOf("aws-prod-show-secrets");
            assert.deepEqual(await runStackPolicy(stackPolicy, resources, withLock(kubernetesLock)), []);
        });
    });
});
