import { strict as assert } from "assert";
import { setPackFlagRules } from "../rules/lib/flagging";
import { UNKNOWN_BOOLEAN, UNKNOWN_NUMBER, UNKNOWN_OBJECT, UNKNOWN_STRING } from "../rules/lib/unknowns";
import { storageObjectLockRequired as policy } from "../rules/storage-object-lock-required";
import { clone, fixture } from "./lib/fixtures";
import { advisory, mandatory, runResourcePolicy, theOnly, type Fixture } from "./lib/harness";

const load = (name: string) => fixture("storage-object-lock-required", name);

function withRetention(f: Fixture, retention: Record<string, unknown>): Fixture {
    const copy = clone(f);
    (copy.props.rule as { defaultRetention: unknown }).defaultRetention = retention;
    return copy;
}

describe("storage-object-lock-required", () => {
    describe("buckets, every shape under every token", () => {
        it("passes a v7 bucket created with objectLockEnabled, leaving its retention to the stack half", async () => {
            assert.deepEqual(await runResourcePolicy(policy, load("bucket-v7-lock-enabled")), []);
        });

        it("leaves a bucket without any lock setting to the stack half, which sees its lock resources", async () => {
            assert.deepEqual(await runResourcePolicy(policy, load("bucket-v7-no-lock")), []);
        });

        it("passes a v6 legacy bucket with an inline GOVERNANCE retention of 1 day and versioning on", async () => {
            assert.deepEqual(await runResourcePolicy(policy, load("bucket-v6-legacy-lock-governance-1-day")), []);
        });

        it("passes a BucketV2 whose plural inline rules hold a COMPLIANCE retention of 7 years", async () => {
            assert.deepEqual(await runResourcePolicy(policy, load("bucketv2-lock-compliance-7-years")), []);
        });

        it("rejects forceDestroy, the escape hatch that empties a write-once bucket", async () => {
            const finding = theOnly(mandatory(await runResourcePolicy(policy, load("bucket-v7-force-destroy"))));
            assert.match(finding.message, /^forceDestroy of evidence \(aws:s3\/bucket:Bucket\): is true/);
            assert.match(finding.message, /bypassing governance-mode retention/);
            assert.match(finding.message, /set `forceDestroy: false`/);
        });

        it("rejects inline versioning switched off on a legacy bucket", async () => {
            const finding = theOnly(mandatory(await runResourcePolicy(policy, load("bucket-v6-legacy-versioning-off"))));
            assert.match(finding.message, /^versioning\.enabled of ledger \(aws:s3\/bucket:Bucket\): is false/);
            assert.match(finding.message, /object lock needs versioning Enabled/);
        });

        it("rejects a BucketV2 retention that sets both days and years, and its versioning switched off", async () => {
            const messages = mandatory(await runResourcePolicy(policy, load("bucketv2-days-and-years"))).map((r) => r.message);
            assert.equal(messages.length, 2);
            assert.match(messages[0], /^objectLockConfiguration\.rules\[0\]\.defaultRetentions\[0\] of archive .*sets both days \(30\) and years \(1\); AWS accepts exactly one/);
            assert.match(messages[1], /^versionings\[0\]\.enabled of archive .*is false/);
        });

        it("rejects an inline retention shorter than minRetentionDays, counting a year as 365 days", async () => {
            const [finding] = mandatory(await runResourcePolicy(policy, load("bucketv2-lock-compliance-7-years"), { minRetentionDays: 3650 }));
            assert.match(finding.message, /defaultRetentions\[0\]\.years of archive .*is 7 \(2555 days\), below the minimum of 3650 days .*set `years: 10`/);
        });

        it("rejects an inline GOVERNANCE retention when only COMPLIANCE is allowed", async () => {
            const [finding] = mandatory(await runResourcePolicy(policy, load("bucket-v6-legacy-lock-governance-1-day"), { allowedModes: ["COMPLIANCE"] }));
            assert.match(finding.message, /^objectLockConfiguration\.rule\.defaultRetention\.mode of ledger .*is "GOVERNANCE", which this pack does not allow \(allowedModes: COMPLIANCE\); set `mode: "COMPLIANCE"`/);
        });

        it("rejects an inline objectLockEnabled other than Enabled", async () => {
            const f = clone(load("bucket-v6-legacy-lock-governance-1-day"));
            (f.props.objectLockConfiguration as Record<string, unknown>).objectLockEnabled = "Disabled";
            const [finding] = mandatory(await runResourcePolicy(policy, f));
            assert.match(finding.message, /^objectLockConfiguration\.objectLockEnabled of ledger .*is "Disabled"; the only value AWS accepts is "Enabled"/);
        });

        it("rejects an inline rule without a default retention block", async () => {
            const f = clone(load("bucket-v6-legacy-lock-governance-1-day"));
            (f.props.objectLockConfiguration as Record<string, unknown>).rule = {};
            const [finding] = mandatory(await runResourcePolicy(policy, f));
            assert.match(finding.message, /^objectLockConfiguration\.rule\.defaultRetention of ledger .*is not set.*`\{ mode: "GOVERNANCE", days: 1 \}`/);
        });

        it("rejects a BucketV2 rule with an empty defaultRetentions list", async () => {
            const f = clone(load("bucketv2-lock-compliance-7-years"));
            (f.props.objectLockConfiguration as Record<string, unknown>).rules = [{ defaultRetentions: [] }];
            const [finding] = mandatory(await runResourcePolicy(policy, f));
            assert.match(finding.message, /^objectLockConfiguration\.rules\[0\]\.defaultRetentions of archive .*is not set/);
        });
    });

    describe("lock configuration resources", () => {
        it("passes a BucketObjectLockConfiguration with a GOVERNANCE retention of 30 days", async () => {
            assert.deepEqual(await runResourcePolicy(policy, load("lock-config-governance-30-days")), []);
        });

        it("rejects a BucketObjectLockConfigurationV2 retention without a mode", async () => {
            const finding = theOnly(mandatory(await runResourcePolicy(policy, load("lock-config-v2-no-mode"))));
            assert.match(finding.message, /^rule\.defaultRetention\.mode of ledger-lock \(aws:s3\/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2\): is not set/);
            assert.match(finding.message, /set `mode: "GOVERNANCE"`/);
        });

        it("rejects a mode that does not exist and an objectLockEnabled other than Enabled", async () => {
            const messages = mandatory(await runResourcePolicy(policy, load("lock-config-invalid-mode"))).map((r) => r.message);
            assert.equal(messages.length, 2);
            assert.match(messages[0], /^objectLockEnabled of audit-logs-lock .*is "Disabled"; the only value AWS accepts is "Enabled"/);
            assert.match(messages[1], /^rule\.defaultRetention\.mode of audit-logs-lock .*is "STRICT", which is not an object lock mode/);
        });

        it("rejects a retention with no period, reading a zero as unset as the provider does and saying so", async () => {
            const zero = withRetention(load("lock-config-governance-30-days"), { mode: "GOVERNANCE", days: 0, years: 0 });
            const [finding] = mandatory(await runResourcePolicy(policy, zero));
            assert.match(finding.message, /^rule\.defaultRetention\.days of audit-logs-lock .*: is 0, which the provider leaves out of its call to AWS, so the rule has no retention period; set `days: 1` or more\.$/);
            const none = withRetention(load("lock-config-governance-30-days"), { mode: "GOVERNANCE" });
            const [missing] = mandatory(await runResourcePolicy(policy, none));
            assert.match(missing.message, /^rule\.defaultRetention of audit-logs-lock .*sets no retention period \(neither days nor years\); add `days: 1`/);
        });

        it("passes a retention in years whose unused days are zero", async () => {
            const f = withRetention(load("lock-config-governance-30-days"), { mode: "COMPLIANCE", days: 0, years: 1 });
            assert.deepEqual(await runResourcePolicy(policy, f), []);
        });

        it("rejects a negative period", async () => {
            const [finding] = mandatory(await runResourcePolicy(policy, withRetention(load("lock-config-governance-30-days"), { mode: "GOVERNANCE", days: -5 })));
            assert.match(finding.message, /^rule\.defaultRetention\.days of audit-logs-lock .*is -5; the retention period must be a positive whole number of days/);
        });

        it("rejects a period that is not a number without crashing", async () => {
            const [finding] = mandatory(await runResourcePolicy(policy, withRetention(load("lock-config-governance-30-days"), { mode: "GOVERNANCE", days: "30" })));
            assert.match(finding.message, /days of audit-logs-lock .*is a string; the retention period must be a positive whole number/);
        });

        it("rejects a retention below the configured minimum and names the fix", async () => {
            const [finding] = mandatory(await runResourcePolicy(policy, load("lock-config-governance-30-days"), { minRetentionDays: 90 }));
            assert.match(finding.message, /^rule\.defaultRetention\.days of audit-logs-lock .*is 30, below the minimum of 90 days this pack requires \(minRetentionDays\); set `days: 90`/);
        });

        it("rejects a retention block that is not an object", async () => {
            const [finding] = mandatory(await runResourcePolicy(policy, withRetention(load("lock-config-governance-30-days"), ["GOVERNANCE"] as unknown as Record<string, unknown>)));
            assert.match(finding.message, /^rule\.defaultRetention of audit-logs-lock .*is a list, not a retention block/);
        });
    });

    describe("versioning resources", () => {
        it("passes versioning Enabled", async () => {
            assert.deepEqual(await runResourcePolicy(policy, load("versioning-enabled")), []);
        });

        it("rejects versioning Suspended with the line that fixes it", async () => {
            const finding = theOnly(mandatory(await runResourcePolicy(policy, load("versioning-v2-suspended"))));
            assert.match(finding.message, /^versioningConfiguration\.status of ledger-versioning \(aws:s3\/bucketVersioningV2:BucketVersioningV2\): is "Suspended"/);
            assert.match(finding.message, /set `versioningConfiguration: \{ status: "Enabled" \}`/);
        });

        it("rejects versioning Disabled", async () => {
            const f = clone(load("versioning-enabled"));
            f.props.versioningConfiguration = { status: "Disabled" };
            const [finding] = mandatory(await runResourcePolicy(policy, f));
            assert.match(finding.message, /is "Disabled", so new objects are not versioned/);
        });

        it("rejects a versioning status that does not exist", async () => {
            const f = clone(load("versioning-enabled"));
            f.props.versioningConfiguration = { status: "enabled" };
            const [finding] = mandatory(await runResourcePolicy(policy, f));
            assert.match(finding.message, /is "enabled", not a versioning status/);
        });
    });

    describe("values unknown at preview", () => {
        it("reports an unknown forceDestroy as advisory", async () => {
            const f = clone(load("bucket-v7-lock-enabled"));
            f.props.forceDestroy = UNKNOWN_BOOLEAN;
            const reported = await runResourcePolicy(policy, f);
            assert.deepEqual(reported.map((r) => r.level), ["advisory"]);
            assert.match(reported[0].message, /^forceDestroy of audit-logs .*cannot be known during preview; it is checked when `pulumi up` runs/);
        });

        it("reports an unknown inline lock block once, at its own path", async () => {
            const f = clone(load("bucket-v6-legacy-lock-governance-1-day"));
            f.props.objectLockConfiguration = UNKNOWN_OBJECT;
            const reported = await runResourcePolicy(policy, f);
            assert.deepEqual(reported.map((r) => r.level), ["advisory"]);
            assert.match(reported[0].message, /^objectLockConfiguration of ledger /);
        });

        it("still checks a known mode when the period is unknown", async () => {
            const f = withRetention(load("lock-config-governance-30-days"), { mode: "GOVERNANCE", days: UNKNOWN_NUMBER });
            const reported = await runResourcePolicy(policy, f, { allowedModes: ["COMPLIANCE"] });
            assert.equal(mandatory(reported).length, 1);
            assert.match(mandatory(reported)[0].message, /mode of audit-logs-lock .*"GOVERNANCE"/);
            assert.equal(advisory(reported).length, 1);
            assert.match(advisory(reported)[0].message, /^rule\.defaultRetention\.days of audit-logs-lock /);
        });

        it("reports an unknown versioning status as advisory", async () => {
            const f = clone(load("versioning-enabled"));
            f.props.versioningConfiguration = { status: UNKNOWN_STRING };
            assert.deepEqual((await runResourcePolicy(policy, f)).map((r) => r.level), ["advisory"]);
        });
    });

    describe("scope flagged", () => {
        afterEach(() => setPackFlagRules(undefined));

        it("does not judge a bucket that is not flagged", async () => {
            const f = clone(load("bucket-v7-force-destroy"));
            f.props.tags = { team: "security" };
            assert.deepEqual(await runResourcePolicy(policy, f, { scope: "flagged" }), []);
        });

        it("judges a bucket flagged by its tag", async () => {
            assert.equal(mandatory(await runResourcePolicy(policy, load("bucket-v7-force-destroy"), { scope: "flagged" })).length, 1);
        });

        it("judges a bucket flagged by its type in the flag rules", async () => {
            setPackFlagRules({ types: ["aws:s3/bucket:Bucket"] });
            const f = clone(load("bucket-v7-force-destroy"));
            f.props.tags = {};
            assert.equal(mandatory(await runResourcePolicy(policy, f, { scope: "flagged" })).length, 1);
        });

        it("makes findings advisory while the bucket's tags are unknown", async () => {
            const f = clone(load("bucket-v7-force-destroy"));
            f.props.tags = UNKNOWN_OBJECT;
            const reported = await runResourcePolicy(policy, f, { scope: "flagged" });
            assert.deepEqual(reported.map((r) => r.level), ["advisory"]);
            assert.match(reported[0].message, /^forceDestroy of evidence .*This applies only if evidence is flagged immutable, which depends on its tags, unknown during preview/);
        });

        it("leaves lock and versioning resources to the stack half, which sees their bucket's flag", async () => {
            assert.deepEqual(await runResourcePolicy(policy, load("versioning-v2-suspended"), { scope: "flagged" }), []);
        });

        it("fails closed when the pack's flag rules are unusable", async () => {
            setPackFlagRules({ types: "aws:s3/bucket:Bucket" });
            const [finding] = mandatory(await runResourcePolicy(policy, load("bucket-v7-force-destroy"), { scope: "flagged" }));
            assert.match(finding.message, /policy config is invalid \(the immutable-no-in-place-update flag settings are invalid: types must be a list/);
        });
    });

    describe("config", () => {
        for (const [config, why] of [
            [{ scope: "some" }, /scope must be "all" or "flagged"/],
            [{ allowedModes: [] }, /allowedModes must be a non-empty list/],
            [{ allowedModes: ["governance"] }, /allowedModes must be a non-empty list of GOVERNANCE and COMPLIANCE/],
            [{ minRetentionDays: 0 }, /minRetentionDays must be a whole number of days, at least 1/],
            [{ minRetentionDays: 1.5 }, /minRetentionDays must be a whole number/],
        ] as const) {
            it(`fails closed on ${JSON.stringify(config)}`, async () => {
                const [finding] = mandatory(await runResourcePolicy(policy, load("bucket-v7-lock-enabled"), config));
                assert.match(finding.message, why);
            });
        }
    });
});
