import { strict as assert } from "assert";
import { containerImageDigestRequired as policy } from "../rules/container-image-digest-required";
import { findExemption, setClock } from "../rules/lib/exemptions";
import { advisory, mandatory, runResourcePolicy, urnOf } from "./lib/harness";
import { fixture } from "./lib/fixtures";

const cronjob = () => ({ ...fixture("container-image-digest-required", "cronjob-latest"), urn: urnOf("kubernetes:batch/v1:CronJob", "nightly-report", "prod") });

describe("exemptions", () => {
    beforeEach(() => setClock(() => new Date("2026-06-15T12:00:00Z")));
    afterEach(() => setClock(() => new Date()));

    it("waives the findings of a matching, unexpired exemption and reports that it did", async () => {
        const exemptions = [{ urn: "urn:pulumi:prod::*::nightly-report", reason: "vendor image, digest pinning tracked in OPS-412", expires: "2026-06-30" }];
        const reported = await runResourcePolicy(policy, cronjob(), { exemptions });
        assert.equal(mandatory(reported).length, 0);
        assert.equal(advisory(reported).length, 1);
        assert.match(reported[0].message, /exempted by "urn:pulumi:prod::\*::nightly-report" until 2026-06-30 \(reason: vendor image/);
        assert.match(reported[0].message, /spec\.jobTemplate\.spec\.template\.spec\.containers\[0\]\.image/);
    });

    it("applies through the last day of the exemption", async () => {
        setClock(() => new Date("2026-06-30T23:59:00Z"));
        const exemptions = [{ urn: "*nightly-report", reason: "tracked", expires: "2026-06-30" }];
        assert.equal(mandatory(await runResourcePolicy(policy, cronjob(), { exemptions })).length, 0);
    });

    it("does not apply an expired exemption, and says so", async () => {
        const exemptions = [{ urn: "*nightly-report", reason: "tracked", expires: "2026-06-14" }];
        const reported = await runResourcePolicy(policy, cronjob(), { exemptions });
        assert.equal(mandatory(reported).length, 1);
        assert.match(advisory(reported)[0].message, /does not apply because it expired on 2026-06-14/);
    });

    it("does not apply an exemption without a reason", async () => {
        const exemptions = [{ urn: "*nightly-report", reason: "  ", expires: "2027-01-01" }];
        const reported = await runResourcePolicy(policy, cronjob(), { exemptions });
        assert.equal(mandatory(reported).length, 1);
        assert.match(advisory(reported)[0].message, /does not apply because it has no reason/);
    });

    it("does not apply an exemption whose expiry is not a real date", async () => {
        const verdict = findExemption([{ urn: "*", reason: "r", expires: "2026-02-30" }], "urn:pulumi:a::b::c::d");
        assert.equal(verdict.kind, "ignored");
    });

    it("leaves resources that no exemption matches untouched", async () => {
        const exemptions = [{ urn: "urn:pulumi:staging::*", reason: "r", expires: "2027-01-01" }];
        const reported = await runResourcePolicy(policy, cronjob(), { exemptions });
        assert.deepEqual(reported.map((r) => r.level), ["mandatory"]);
    });

    it("lets `*` match across the slashes of a type token", () => {
        const verdict = findExemption(
            [{ urn: "urn:pulumi:prod::shop::*::nightly-report", reason: "r", expires: "2027-01-01" }],
            urnOf("kubernetes:batch/v1:CronJob", "nightly-report", "prod"),
        );
        assert.equal(verdict.kind, "applies");
    });

    it("reports nothing for an exemption on a resource that complies", async () => {
        const exemptions = [{ urn: "*", reason: "r", expires: "2027-01-01" }];
        assert.deepEqual(await runResourcePolicy(policy, fixture("container-image-digest-required", "deployment-pinned"), { exemptions }), []);
    });
});

describe("a malformed exemption list", () => {
    it("fails closed: every resource the policy covers is reported, saying why", async () => {
        const f = fixture("container-image-digest-required", "deployment-pinned");
        const reported = await runResourcePolicy(policy, f, { exemptions: [{ reason: "no urn", expires: "2099-01-01" }] });
        assert.equal(mandatory(reported).length, 1);
        assert.match(reported[0].message, /policy config is invalid \(exemptions\[0\] has no urn glob\)/);
    });

    it("fails closed when exemptions is not a list", async () => {
        const f = fixture("container-image-digest-required", "deployment-pinned");
        const [finding] = mandatory(await runResourcePolicy(policy, f, { exemptions: { urn: "*" } }));
        assert.match(finding.message, /exemptions must be a list/);
    });
});
