import { strict as assert } from "assert";
import { setPackFlagRules } from "../rules/lib/flagging";
import { setClock } from "../rules/lib/exemptions";
import { UNKNOWN_BOOLEAN, UNKNOWN_OBJECT, UNKNOWN_STRING } from "../rules/lib/unknowns";
import {
    storageObjectLockRequired as resourcePolicy,
    storageObjectLockRequiredStack as policy,
} from "../rules/storage-object-lock-required";
import { clone, fixture } from "./lib/fixtures";
import { advisory, mandatory, runResourcePolicy, runStackPolicy, theOnly, urnOf, type Fixture } from "./lib/harness";

const load = (name: string) => fixture("storage-object-lock-required", name);

const BUCKET = "aws:s3/bucket:Bucket";
const LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration";
const VERSIONING = "aws:s3/bucketVersioning:BucketVersioning";

const urn = (f: Fixture) => f.urn ?? urnOf(f.type, f.name ?? "example");

function bucket(name: string, props: Record<string, unknown> = {}, type = BUCKET): Fixture {
    return { type, name, props: { bucket: `${name}-4e5f6a7`, forceDestroy: false, ...props } };
}

/** How a configuring resource names its bucket, as programs write it and as the engine sends it. */
type Via =
    | "id at preview" // `bucket: b.id`: unknown at preview; the engine records where it came from
    | "name" // `bucket: b.bucket` or a literal name, with no dependency information
    | "id at up"; // `bucket: b.id` once known, with its dependency

function naming(target: Fixture, via: Via): Pick<Fixture, "props" | "propertyDependencies" | "dependencies"> {
    const name = target.props.bucket as string;
    switch (via) {
        case "id at preview":
            return { props: { bucket: UNKNOWN_STRING }, propertyDependencies: { bucket: [urn(target)] }, dependencies: [urn(target)] };
        case "name":
            return { props: { bucket: name } };
        case "id at up":
            return { props: { bucket: name }, propertyDependencies: { bucket: [urn(target)] }, dependencies: [urn(target)] };
    }
}

/** A lock configuration without a rule. */
const NO_RULE = null;

function lockFor(target: Fixture, via: Via = "id at preview", rule: unknown = { defaultRetention: { mode: "GOVERNANCE", days: 30 } }, type = LOCK): Fixture {
    const link = naming(target, via);
    return { type, name: `${target.name}-lock`, ...link, props: { ...link.props, objectLockEnabled: "Enabled", ...(rule === NO_RULE ? {} : { rule }) } };
}

function versioningFor(target: Fixture, via: Via = "id at preview", status = "Enabled", type = VERSIONING): Fixture {
    const link = naming(target, via);
    return { type, name: `${target.name}-versioning`, ...link, props: { ...link.props, versioningConfiguration: { status } } };
}

describe("storage-object-lock-required-stack", () => {
    describe("a bucket with its lock and versioning resources", () => {
        it("passes a bucket created with object lock whose retention comes from a lock configuration naming it by id", async () => {
            const b = bucket("audit-logs", { objectLockEnabled: true });
            assert.deepEqual(await runStackPolicy(policy, [b, lockFor(b)]), []);
        });

        it("links a lock configuration by the bucket's generated name when no dependency information is sent", async () => {
            const b = bucket("audit-logs", { objectLockEnabled: true });
            assert.deepEqual(await runStackPolicy(policy, [b, lockFor(b, "name")]), []);
        });

        it("links by the id output at `pulumi up` for a bucket whose name AWS generated", async () => {
            const b = bucket("audit-logs", { bucket: "audit-20260615093000000100000001", bucketPrefix: "audit-", id: "audit-20260615093000000100000001", objectLockEnabled: true });
            assert.deepEqual(await runStackPolicy(policy, [b, lockFor(b, "id at up")]), []);
        });

        it("passes a lock added to an existing bucket that gets versioning Enabled in the same stack", async () => {
            const b = bucket("reports", { objectLockEnabled: false });
            assert.deepEqual(await runStackPolicy(policy, [b, versioningFor(b), lockFor(b)]), []);
        });

        it("passes a v6 program's BucketV2 with BucketObjectLockConfigurationV2 and BucketVersioningV2", async () => {
            const b = bucket("archive", {}, "aws:s3/bucketV2:BucketV2");
            const lock = lockFor(b, "id at preview", { defaultRetention: { mode: "COMPLIANCE", years: 7 } }, "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2");
            const versioning = versioningFor(b, "id at preview", "Enabled", "aws:s3/bucketVersioningV2:BucketVersioningV2");
            assert.deepEqual(await runStackPolicy(policy, [b, versioning, lock]), []);
        });

        it("passes a v6 legacy bucket whose lock and retention are inline", async () => {
            assert.deepEqual(await runStackPolicy(policy, [load("bucket-v6-legacy-lock-governance-1-day")]), []);
        });

        it("passes a BucketV2 whose plural inline rules hold the retention", async () => {
            assert.deepEqual(await runStackPolicy(policy, [load("bucketv2-lock-compliance-7-years")]), []);
        });
    });

    describe("what is missing across the stack", () => {
        it("rejects a bucket with no object lock anywhere, with the lines that add it", async () => {
            const b = load("bucket-v7-no-lock");
            const [finding, ...rest] = await runStackPolicy(policy, [b, load("versioning-enabled")]);
            assert.equal(rest.length, 0);
            assert.equal(finding.level, "mandatory");
            assert.equal(finding.urn, urn(b));
            assert.match(finding.message, /^objectLockEnabled of reports \(aws:s3\/bucket:Bucket\): does not enable object lock, and no lock configuration in the stack applies to this bucket/);
            assert.match(finding.message, /Set `objectLockEnabled: true`/);
            assert.match(finding.message, /`new aws\.s3\.BucketObjectLockConfiguration\("reports-lock", \{ bucket: reports\.id, rule: \{ defaultRetention: \{ mode: "GOVERNANCE", days: 1 \} \} \}\);`/);
            assert.match(finding.message, /With @pulumi\/aws v6's legacy Bucket, set `objectLockConfiguration: \{ objectLockEnabled: "Enabled"/);
        });

        it("gives only the fix of the provider version that manages the bucket, when the engine says which", async () => {
            const managedBy = (version: string): Fixture => ({
                ...load("bucket-v7-no-lock"),
                provider: { type: "pulumi:providers:aws", name: `default_${version.replace(/\./g, "_")}`, props: { region: "eu-west-1", version } },
            });
            const [v7] = await runStackPolicy(policy, [managedBy("7.48.0")]);
            assert.match(v7.message, /Set `objectLockEnabled: true` .*`new aws\.s3\.BucketObjectLockConfiguration\("reports-lock"/);
            assert.doesNotMatch(v7.message, /v6/);
            const [v6] = await runStackPolicy(policy, [managedBy("6.83.4")]);
            assert.match(v6.message, /so its objects can be overwritten and deleted\. With @pulumi\/aws v6's Bucket, set `objectLockConfiguration: \{ objectLockEnabled: "Enabled", rule: \{ defaultRetention: \{ mode: "GOVERNANCE", days: 1 \} \} \}` \(an existing bucket is replaced\)\.$/);
            assert.doesNotMatch(v6.message, /BucketObjectLockConfiguration\(/, "v6 has no BucketObjectLockConfiguration class");
        });

        it("rejects a bucket created with objectLockEnabled false and no lock configuration", async () => {
            const [finding] = await runStackPolicy(policy, [bucket("reports", { objectLockEnabled: false })]);
            assert.match(finding.message, /^objectLockEnabled of reports .*: does not enable object lock/);
        });

        it("names the V2 classes, which v6 has, in the fixes for a BucketV2", async () => {
            const b = bucket("archive", {}, "aws:s3/bucketV2:BucketV2");
            const [noLock] = await runStackPolicy(policy, [b]);
            assert.match(noLock.message, /`new aws\.s3\.BucketObjectLockConfigurationV2\("archive-lock", \{ bucket: archive\.id/);
            assert.doesNotMatch(noLock.message, /legacy Bucket/);
            const [noVersioning] = await runStackPolicy(policy, [b, lockFor(b)]);
            assert.match(noVersioning.message, /`new aws\.s3\.BucketVersioningV2\("archive-versioning", \{ bucket: archive\.id/);
        });

        it("says exactly that a locked bucket has no default retention rule anywhere in the stack", async () => {
            const finding = theOnly(mandatory(await runStackPolicy(policy, [load("bucket-v7-lock-enabled")])));
            assert.match(finding.message, /^audit-logs \(aws:s3\/bucket:Bucket\): object lock is enabled at creation \(objectLockEnabled\) but no default retention rule exists anywhere in the stack/);
            assert.match(finding.message, /add `new aws\.s3\.BucketObjectLockConfiguration\("audit-logs-lock", \{ bucket: auditLogs\.id, rule: \{ defaultRetention: \{ mode: "GOVERNANCE", days: 1 \} \} \}\);`/);
        });

        it("asks for the rule on the lock configuration that lacks one", async () => {
            const b = bucket("audit-logs", { objectLockEnabled: true });
            const [finding] = mandatory(await runStackPolicy(policy, [b, lockFor(b, "id at preview", NO_RULE)], { allowedModes: ["COMPLIANCE"], minRetentionDays: 365 }));
            assert.match(finding.message, /no default retention rule exists anywhere in the stack .*add `rule: \{ defaultRetention: \{ mode: "COMPLIANCE", days: 365 \} \}` to audit-logs-lock/);
        });

        it("does not count a rule without its retention block as a retention", async () => {
            const b = bucket("audit-logs", { objectLockEnabled: true });
            const [finding] = mandatory(await runStackPolicy(policy, [b, lockFor(b, "id at preview", {})]));
            assert.match(finding.message, /no default retention rule exists anywhere in the stack/);
        });

        it("rejects a lock added to a bucket created without it when nothing enables versioning", async () => {
            const b = bucket("reports");
            const finding = theOnly(mandatory(await runStackPolicy(policy, [b, lockFor(b)])));
            assert.match(finding.message, /^reports \(aws:s3\/bucket:Bucket\): object lock is added by reports-lock to a bucket created without it, which needs versioning Enabled/);
            assert.match(finding.message, /`new aws\.s3\.BucketVersioning\("reports-versioning", \{ bucket: reports\.id, versioningConfiguration: \{ status: "Enabled" \} \}\);`/);
        });

        it("accepts inline versioning as what enables it", async () => {
            const b = bucket("reports", { versioning: { enabled: true } });
            assert.deepEqual(await runStackPolicy(policy, [b, lockFor(b)]), []);
        });

        it("does not let a lock on a bucket outside the stack stand in for a bucket in it", async () => {
            const elsewhere = { ...lockFor(bucket("legacy"), "name"), props: { bucket: "acme-legacy-bucket", rule: { defaultRetention: { mode: "GOVERNANCE", days: 30 } } } };
            const reported = await runStackPolicy(policy, [load("bucket-v7-no-lock"), elsewhere]);
            assert.deepEqual(reported.map((r) => r.level), ["mandatory"]);
            assert.match(reported[0].message, /^objectLockEnabled of reports /);
        });

        it("leaves a lock configuration's own wrong settings to the resource half", async () => {
            const b = bucket("audit-logs", { objectLockEnabled: true });
            const lock = lockFor(b, "id at preview", { defaultRetention: { mode: "STRICT", days: 30 } });
            assert.deepEqual(await runStackPolicy(policy, [b, lock, versioningFor(b, "id at preview", "Suspended")]), []);
        });

        it("reports each bucket once when its lock is traced both by dependency and by name", async () => {
            const b = bucket("reports");
            const lock = lockFor(b, "id at up", NO_RULE);
            const reported = await runStackPolicy(policy, [b, lock]);
            assert.equal(reported.length, 2, "missing retention and missing versioning, once each");
            assert.ok(reported.every((r) => r.urn === urn(b)));
        });
    });

    describe("values unknown at preview", () => {
        it("is advisory about a bucket without a lock while a lock configuration's bucket cannot be traced", async () => {
            const untraceable: Fixture = { type: LOCK, name: "mystery-lock", props: { bucket: UNKNOWN_STRING, rule: { defaultRetention: { mode: "GOVERNANCE", days: 30 } } } };
            const reported = await runStackPolicy(policy, [load("bucket-v7-no-lock"), untraceable]);
            assert.deepEqual(reported.map((r) => r.level), ["advisory"]);
            assert.match(reported[0].message, /^objectLockEnabled of reports .*the bucket of the lock configurations mystery-lock is unknown during preview and may be this one/);
        });

        it("is advisory only for the buckets a lock built from several buckets' outputs may apply to", async () => {
            const a = bucket("a", { objectLockEnabled: true });
            const b = bucket("b", { objectLockEnabled: true });
            const c = bucket("c", { objectLockEnabled: true });
            const shared: Fixture = { type: LOCK, name: "shared-lock", props: { bucket: UNKNOWN_STRING, rule: { defaultRetention: { mode: "GOVERNANCE", days: 30 } } }, propertyDependencies: { bucket: [urn(a), urn(b)] } };
            const reported = await runStackPolicy(policy, [a, b, c, shared]);
            assert.deepEqual(reported.filter((r) => r.level === "advisory").map((r) => r.urn).sort(), [urn(a), urn(b)]);
            assert.deepEqual(mandatory(reported).map((r) => r.urn), [urn(c)]);
        });

        it("links through the resource's dependencies when the engine sends no per-property ones", async () => {
            const b = bucket("audit-logs", { objectLockEnabled: true });
            const lock = { ...lockFor(b), propertyDependencies: undefined };
            assert.deepEqual(await runStackPolicy(policy, [b, lock]), []);
        });

        it("matches a lock naming a known bucket to a bucket whose name is not known yet only as advisory", async () => {
            const b = bucket("generated", { bucket: UNKNOWN_STRING, bucketPrefix: "gen-", objectLockEnabled: true });
            const lock: Fixture = { type: LOCK, name: "named-lock", props: { bucket: "gen-2026", rule: { defaultRetention: { mode: "GOVERNANCE", days: 30 } } } };
            const reported = await runStackPolicy(policy, [b, lock]);
            assert.deepEqual(reported.map((r) => r.level), ["advisory"]);
            assert.match(reported[0].message, /no default retention rule is known yet; the bucket of the lock configurations named-lock is unknown/);
        });

        describe("planned outputs, where AWS-computed properties left unset are unknown", () => {
            const planned = (name: string, stack: string): Fixture => ({
                type: BUCKET,
                name,
                urn: urnOf(BUCKET, name, stack),
                props: { bucket: `${name}-4e5f6a7`, forceDestroy: false, objectLockEnabled: UNKNOWN_BOOLEAN, objectLockConfiguration: UNKNOWN_OBJECT, versioning: UNKNOWN_OBJECT, arn: UNKNOWN_STRING },
            });

            it("rejects a bucket the program left without object lock, from the inputs the resource half saw", async () => {
                const outputs = planned("reports", "preview-a");
                const inputs = { ...outputs, props: { bucket: "reports-4e5f6a7", forceDestroy: false } };
                await runResourcePolicy(resourcePolicy, inputs);
                const reported = await runStackPolicy(policy, [outputs]);
                assert.deepEqual(reported.map((r) => r.level), ["mandatory"]);
                assert.match(reported[0].message, /^objectLockEnabled of reports .*does not enable object lock, and no lock configuration/);
            });

            it("passes a bucket the program created with object lock, whose retention is in a lock configuration", async () => {
                const outputs = planned("evidence", "preview-b");
                await runResourcePolicy(resourcePolicy, { ...outputs, props: { bucket: "evidence-4e5f6a7", objectLockEnabled: true } });
                assert.deepEqual(await runStackPolicy(policy, [{ ...outputs, props: { ...outputs.props, objectLockEnabled: true } }, lockFor(outputs)]), []);
            });

            it("rejects a lock added to a bucket created without versioning, from the inputs the resource half saw", async () => {
                const outputs = planned("logs", "preview-c");
                await runResourcePolicy(resourcePolicy, { ...outputs, props: { bucket: "logs-4e5f6a7" } });
                const [finding, ...rest] = await runStackPolicy(policy, [outputs, lockFor(outputs)]);
                assert.equal(rest.length, 0);
                assert.equal(finding.level, "mandatory");
                assert.match(finding.message, /needs versioning Enabled/);
            });

            it("is advisory, not a pass, when the resource half did not see the bucket's inputs", async () => {
                const reported = await runStackPolicy(policy, [planned("unseen", "preview-d")]);
                assert.deepEqual(reported.map((r) => r.level), ["advisory"]);
                assert.match(reported[0].message, /^objectLockEnabled of unseen .*whether the bucket has object lock is checked when `pulumi up` runs/);
            });

            it("is advisory about a retention rule it cannot see yet", async () => {
                const b = planned("vault", "preview-e");
                b.props.objectLockEnabled = true;
                const reported = await runStackPolicy(policy, [b]);
                assert.deepEqual(reported.map((r) => r.level), ["advisory"]);
                assert.match(reported[0].message, /default retention rule is unknown during preview/);
            });
        });
    });

    describe("scope flagged", () => {
        afterEach(() => setPackFlagRules(undefined));
        const flagged = (f: Fixture) => ({ ...f, props: { ...f.props, tags: { immutable: "true" } } });

        it("judges only buckets flagged immutable", async () => {
            const reported = await runStackPolicy(policy, [bucket("scratch"), flagged(bucket("evidence"))], { scope: "flagged" });
            assert.deepEqual(reported.map((r) => r.urn), [urnOf(BUCKET, "evidence")]);
        });

        it("judges a bucket flagged by a URN glob", async () => {
            setPackFlagRules({ urns: ["urn:pulumi:*::*::aws:s3/bucket:Bucket::evidence*"] });
            const reported = await runStackPolicy(policy, [bucket("scratch"), bucket("evidence-2026")], { scope: "flagged" });
            assert.deepEqual(reported.map((r) => r.urn), [urnOf(BUCKET, "evidence-2026")]);
        });

        it("reports the suspended versioning of a flagged bucket on the versioning resource", async () => {
            const b = flagged(bucket("ledger", { objectLockEnabled: true }));
            const versioning = versioningFor(b, "id at preview", "Suspended");
            const [finding, ...rest] = await runStackPolicy(policy, [b, lockFor(b), versioning], { scope: "flagged" });
            assert.equal(rest.length, 0);
            assert.equal(finding.urn, urn(versioning));
            assert.match(finding.message, /^versioningConfiguration\.status of ledger-versioning \(aws:s3\/bucketVersioning:BucketVersioning\): is "Suspended"/);
        });

        it("does not judge the lock of a bucket that is not flagged", async () => {
            const b = bucket("scratch", { objectLockEnabled: true });
            const lock = lockFor(b, "id at preview", { defaultRetention: { mode: "GOVERNANCE", days: 0 } });
            assert.deepEqual(await runStackPolicy(policy, [b, lock], { scope: "flagged" }), []);
        });

        it("makes a flagged-scope finding advisory while the bucket's tags are unknown", async () => {
            const b = { ...bucket("maybe"), props: { ...bucket("maybe").props, tags: UNKNOWN_OBJECT } };
            const reported = await runStackPolicy(policy, [b], { scope: "flagged" });
            assert.deepEqual(reported.map((r) => r.level), ["advisory"]);
            assert.match(reported[0].message, /This applies only if maybe is flagged immutable/);
        });
    });

    it("waives a bucket's finding under an exemption and says so", async () => {
        setClock(() => new Date("2026-06-15T12:00:00Z"));
        try {
            const exemptions = [{ urn: "*::reports", reason: "migrating to the archive account, STOR-88", expires: "2026-07-01" }];
            const reported = await runStackPolicy(policy, [load("bucket-v7-no-lock")], { exemptions });
            assert.equal(mandatory(reported).length, 0);
            assert.match(advisory(reported)[0].message, /exempted by "\*::reports" until 2026-07-01 \(reason: migrating/);
        } finally {
            setClock(() => new Date());
        }
    });

    it("links every bucket of a 10,000-resource stack to its own lock and finds the one without", async () => {
        const fixtures: Fixture[] = [];
        for (let i = 0; i < 4000; i++) {
            const b = bucket(`bucket-${i}`, { objectLockEnabled: i % 2 === 0 });
            fixtures.push(b, lockFor(b, i % 3 === 0 ? "name" : "id at preview"));
            if (i % 2 === 1) {
                fixtures.push(versioningFor(b));
            }
        }
        const lonely = bucket("lonely", { objectLockEnabled: true });
        fixtures.push(lonely);
        assert.ok(fixtures.length >= 10000);
        const reported = await runStackPolicy(policy, fixtures);
        assert.deepEqual(reported.map((r) => [r.level, r.urn]), [["mandatory", urn(lonely)]]);
    });

    it("reads the legacy inline lock under the v7 token when the outputs show it", async () => {
        const b = clone(load("bucket-v6-legacy-lock-governance-1-day"));
        b.props.id = b.props.bucket;
        assert.deepEqual(await runStackPolicy(policy, [b]), []);
    });
});
