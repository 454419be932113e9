import { strict as assert } from "assert";
import { settingsUnder } from "../cli/lock";
import { parsePolicyPackConfig } from "../cli/policy-config";
import { policies } from "../rules";
import { iamNoWildcardGrants } from "../rules/iam-no-wildcard-grants";
import { immutableNoInPlaceUpdate, immutableNoInPlaceUpdateStack } from "../rules/immutable-no-in-place-update";
import { setClock } from "../rules/lib/exemptions";
import type { Lock } from "../rules/lib/lock";
import { exemptionDigest, globCovers } from "../rules/lib/locked-settings";
import { setPackFindings, type PackFindings } from "../rules/lib/policy";
import { checkLockedSettings } from "../rules/lib/settings-check";
import { advisory, mandatory, runResourcePolicy, runStackPolicy, theOnly, urnOf, type Fixture } from "./lib/harness";
import { lockOf } from "./lib/stack-export";

const POLICY = "immutable-no-in-place-update";

/** A policy-pack config file as users write it: a level, or settings that may include `enforcementLevel`. */
type ConfigFile = Record<string, string | Record<string, unknown>>;

const lockWithSettings = (config: ConfigFile): Lock =>
    ({ ...lockOf("aws-prod-show-secrets"), settings: settingsUnder(parsePolicyPackConfig(JSON.stringify(config), "policy-config.json")) });

/** What the pack decides at Configure when `inForce` is configured as the Pulumi CLI configures it, with `lock`. */
function checkedAt(lock: Lock | undefined, inForce: ConfigFile, lockKey: Record<string, unknown> = { lock }): PackFindings {
    const entries = parsePolicyPackConfig(JSON.stringify(inForce), "policy-config.json");
    const config = Object.fromEntries(policies.map((p) => [p.name, { ...(entries[p.name]?.properties ?? {}) }]));
    config[POLICY] = { ...config[POLICY], ...(lock || lockKey.lockFile ? lockKey : {}) };
    const levels = new Map(policies.map((p) => [p.name, entries[p.name]?.enforcementLevel ?? entries.all?.enforcementLevel ?? p.enforcementLevel ?? "advisory"]));
    return checkLockedSettings(policies, config, levels);
}

const messages = (findings: PackFindings) => findings.findings.map((f) => f.message);

const EXEMPTION = { urn: "urn:pulumi:prod::shop::*::vendor-agent", reason: "vendor ships tags only; OPS-412", expires: "2026-12-31" };

describe("settings the lock records", () => {
    beforeEach(() => setClock(() => new Date("2026-06-15T12:00:00Z")));
    afterEach(() => setClock(() => new Date()));

    it("records every policy's level and guarded settings, defaults where the config is silent, never a lock or a salt", () => {
        const settings = settingsUnder(parsePolicyPackConfig(JSON.stringify({
            all: "mandatory",
            "iam-no-wildcard-grants": { enforcementLevel: "advisory" },
            "storage-object-lock-required": { minRetentionDays: 30 },
            [POLICY]: { types: ["aws:rds/instance:Instance"], lock: lockOf("aws-prod-show-secrets") },
        }), "policy-config.json"));
        assert.deepEqual(Object.keys(settings), policies.map((p) => p.name).sort());
        assert.equal(settings["iam-no-wildcard-grants"].enforcementLevel, "advisory");
        assert.equal(settings["kubernetes-config-immutable"].enforcementLevel, "mandatory");
        assert.equal(settings["storage-object-lock-required"].minRetentionDays, 30);
        assert.equal(settings["storage-object-lock-required-stack"].minRetentionDays, 1, "each half keeps its own config");
        assert.deepEqual(settings["storage-object-lock-required"].allowedModes, ["COMPLIANCE", "GOVERNANCE"]);
        assert.deepEqual(settings[POLICY].types, ["aws:rds/instance:Instance"]);
        assert.equal(settings[POLICY].tagKey, "immutable");
        assert.deepEqual(settings["container-image-digest-required"].allowedRegistries, []);
        assert.equal(settings[`${POLICY}-stack`].missingLockedResources, "advisory");
        assert.doesNotMatch(JSON.stringify(settings), /salt|resources|hmac/);
    });

    it("records exemptions as digests of their text", () => {
        const settings = settingsUnder(parsePolicyPackConfig(JSON.stringify({ "container-image-digest-required": { exemptions: [EXEMPTION] } }), "c.json"));
        assert.deepEqual(settings["container-image-digest-required"].exemptions, [exemptionDigest(EXEMPTION)]);
        assert.match(exemptionDigest(EXEMPTION), /^sha256:[0-9a-f]{64}$/);
        assert.doesNotMatch(JSON.stringify(settings), /vendor/);
    });

    it("takes the -stack half's missingLockedResources from the resource half, as the policy reads it", () => {
        const settings = settingsUnder(parsePolicyPackConfig(JSON.stringify({ [POLICY]: { missingLockedResources: "mandatory" } }), "c.json"));
        assert.equal(settings[`${POLICY}-stack`].missingLockedResources, "mandatory");
    });

    describe("a config weaker than the lock's is a mandatory finding naming the setting, the lock's value and the new one", () => {
        const cases: [string, ConfigFile, ConfigFile, RegExp][] = [
            ["a core policy made advisory", {}, { "iam-no-wildcard-grants": "advisory" },
                /^iam-no-wildcard-grants\.enforcementLevel is "advisory" where the lock \(made for shop\/prod\) records "mandatory": "advisory" enforces less than "mandatory"\./],
            ["a core policy disabled", {}, { "container-image-digest-required": { enforcementLevel: "disabled" } },
                /^container-image-digest-required\.enforcementLevel is "disabled" where the lock .* records "mandatory"/],
            ["the lock policy itself disabled", {}, { [POLICY]: "disabled" },
                /^immutable-no-in-place-update\.enforcementLevel is "disabled"/],
            ["a flagged type removed", { [POLICY]: { types: ["aws:rds/instance:Instance"] } }, {},
                /^immutable-no-in-place-update\.types is \[\] where .* records \["aws:rds\/instance:Instance"\]: no longer flags the type "aws:rds\/instance:Instance"/],
            ["a flagged URN glob removed", { [POLICY]: { urns: ["urn:pulumi:prod::shop::*::audit-*"] } }, { [POLICY]: { urns: ["urn:pulumi:prod::shop::*::audit-logs"] } },
                /^immutable-no-in-place-update\.urns .*no longer flags the URNs matching "urn:pulumi:prod::shop::\*::audit-\*"/],
            ["the flag tag changed", {}, { [POLICY]: { tagKey: "locked" } },
                /^immutable-no-in-place-update\.tagKey is "locked" where .* records "immutable": resources tagged or labelled "immutable" are no longer flagged/],
            ["the flag value changed", {}, { [POLICY]: { tagValue: "yes" } }, /^immutable-no-in-place-update\.tagValue is "yes" where .* records "true"/],
            ["a property no longer compared", {}, { [POLICY]: { ignoreProperties: { "aws:s3/bucket:Bucket": [{ path: "tags", reason: "owned by the tagging job" }] } } },
                /^immutable-no-in-place-update\.ignoreProperties .*now also ignores "aws:s3\/bucket:Bucket tags"/],
            ["deleting a locked resource made advisory", { [POLICY]: { missingLockedResources: "mandatory" } }, {},
                /^immutable-no-in-place-update-stack\.missingLockedResources is "advisory" where .* records "mandatory"/],
            ["a shorter minimum retention", { "storage-object-lock-required": { minRetentionDays: 30 } }, { "storage-object-lock-required": { minRetentionDays: 7 } },
                /^storage-object-lock-required\.minRetentionDays is 7 where .* records 30: a shorter minimum retention\./],
            ["a shorter vault minimum retention", { "vault-lock-required-stack": { minRetentionDays: 365 } }, {},
                /^vault-lock-required-stack\.minRetentionDays is 1 where .* records 365/],
            ["a retention mode allowed", { "storage-object-lock-required-stack": { allowedModes: ["COMPLIANCE"] } }, {},
                /^storage-object-lock-required-stack\.allowedModes is \["COMPLIANCE","GOVERNANCE"\] where .* records \["COMPLIANCE"\]: now also allows the mode "GOVERNANCE"/],
            ["the storage scope narrowed to flagged buckets", {}, { "storage-object-lock-required": { scope: "flagged" } },
                /^storage-object-lock-required\.scope is "flagged" where .* records "all"/],
            ["a registry allowed", { "container-image-digest-required": { allowedRegistries: ["123456789012.dkr.ecr.eu-west-1.amazonaws.com"] } },
                { "container-image-digest-required": { allowedRegistries: ["123456789012.dkr.ecr.eu-west-1.amazonaws.com", "docker.io"] } },
                /^container-image-digest-required\.allowedRegistries .*now also allows images from "docker\.io"/],
            ["every registry allowed", { "container-image-digest-required": { allowedRegistries: ["ghcr.io/acme"] } }, {},
                /^container-image-digest-required\.allowedRegistries is \[\] where .* records \["ghcr\.io\/acme"\]: now allows images from any registry/],
            ["an IAM action allowed", {}, { "iam-no-wildcard-grants": { allowedActions: [{ action: "kms:*", reason: "the key admin role" }] } },
                /^iam-no-wildcard-grants\.allowedActions is \["kms:\*"\] where .* records \[\]: now also allows the action "kms:\*"/],
            ["an IAM resource allowed", {}, { "iam-no-wildcard-grants": { allowedResources: [{ resource: "arn:aws:logs:*:*:*", reason: "log groups are made at run time" }] } },
                /^iam-no-wildcard-grants\.allowedResources .*now also allows the resource "arn:aws:logs:\*:\*:\*"/],
            ["an access level no longer kept off Resource \"*\"", {}, { "iam-no-wildcard-grants": { resourceWildcardAccessLevels: ["Write", "Permissions management"] } },
                /^iam-no-wildcard-grants\.resourceWildcardAccessLevels .*no longer blocks `Resource: "\*"` at the access level "Tagging"/],
            ["an admin managed policy no longer denied", {}, { "iam-no-wildcard-grants": { managedPolicyDenyList: ["AdministratorAccess", "IAMFullAccess", "AWSMcpServiceActionsFullAccess"] } },
                /^iam-no-wildcard-grants\.managedPolicyDenyList .*no longer denies the managed policy "PowerUserAccess"/],
            ["cluster-admin bindings allowed", {}, { "iam-no-wildcard-grants": { clusterRoleDenyList: ["system:aggregate-to-admin"] } },
                /^iam-no-wildcard-grants\.clusterRoleDenyList .*no longer denies binding the ClusterRole "cluster-admin"/],
            ["an ECR exclusion filter allowed", {}, { "ecr-image-tags-immutable": { allowedExclusionFilters: ["latest"] } },
                /^ecr-image-tags-immutable\.allowedExclusionFilters .*now also allows the exclusion filter "latest"/],
            ["an exemption the lock does not know", {}, { "container-image-digest-required": { exemptions: [EXEMPTION] } },
                /^container-image-digest-required\.exemptions has an exemption the lock \(made for shop\/prod\) does not know: "urn:pulumi:prod::shop::\*::vendor-agent" until 2026-12-31; an exemption waives the policy\./],
            ["an exemption extended", { "container-image-digest-required": { exemptions: [EXEMPTION] } },
                { "container-image-digest-required": { exemptions: [{ ...EXEMPTION, expires: "2027-12-31" }] } },
                /^container-image-digest-required\.exemptions has an exemption .* does not know: "urn:pulumi:prod::shop::\*::vendor-agent" until 2027-12-31/],
        ];
        for (const [what, lockedUnder, inForce, message] of cases) {
            it(`catches ${what}`, () => {
                const checked = checkedAt(lockWithSettings(lockedUnder), inForce);
                const [finding, ...rest] = checked.findings;
                assert.equal(rest.length, 0, JSON.stringify(messages(checked)));
                assert.ok(finding && !finding.advisory, "mandatory");
                assert.match(finding.message, message);
                assert.match(finding.message, /regenerate the lock with this config .*immutable-guard lock diff/);
            });
        }

        it("names every policy `all: advisory` weakens, each once", () => {
            const found = messages(checkedAt(lockWithSettings({}), { all: "advisory" }));
            assert.deepEqual(found.map((m) => m.slice(0, m.indexOf("."))).sort(), policies.map((p) => p.name).sort());
        });

        it("reports the weaker half of a list that is changed both ways", () => {
            const [finding, ...rest] = checkedAt(lockWithSettings({ [POLICY]: { types: ["aws:rds/instance:Instance"] } }),
                { [POLICY]: { types: ["aws:dynamodb/table:Table"] } }).findings;
            assert.equal(rest.length, 0);
            assert.match(finding.message, /no longer flags the type "aws:rds\/instance:Instance"\./);
            assert.doesNotMatch(finding.message, /now also flags/);
        });
    });

    describe("strengthening and changes that weaken nothing are never reported", () => {
        const cases: [string, ConfigFile, ConfigFile][] = [
            ["an advisory policy made mandatory", { "iam-no-wildcard-grants": "advisory" }, {}],
            ["a disabled policy enabled", { "kubernetes-config-immutable": "disabled" }, { "kubernetes-config-immutable": "advisory" }],
            ["a flagged type added", {}, { [POLICY]: { types: ["aws:rds/instance:Instance"] } }],
            ["a URN dropped that a remaining glob still flags", { [POLICY]: { urns: ["urn:pulumi:prod::shop::*::audit-*", "urn:pulumi:prod::shop::aws:s3/bucket:Bucket::audit-logs"] } },
                { [POLICY]: { urns: ["urn:pulumi:prod::shop::*::audit-*"] } }],
            ["a longer minimum retention", {}, { "vault-lock-required": { minRetentionDays: 30 } }],
            ["a retention mode no longer allowed", {}, { "storage-object-lock-required": { allowedModes: ["COMPLIANCE"] } }],
            ["the storage scope widened to every bucket", { "storage-object-lock-required": { scope: "flagged" } }, {}],
            ["a registry no longer allowed", { "container-image-digest-required": { allowedRegistries: ["ghcr.io/acme", "docker.io"] } },
                { "container-image-digest-required": { allowedRegistries: ["ghcr.io/acme"] } }],
            ["any registry limited to one", {}, { "container-image-digest-required": { allowedRegistries: ["ghcr.io/acme"] } }],
            ["a repository added under an allowed registry", { "container-image-digest-required": { allowedRegistries: ["ghcr.io/acme"] } },
                { "container-image-digest-required": { allowedRegistries: ["ghcr.io/acme", "ghcr.io/acme/checkout"] } }],
            ["an IAM action added that an allowed glob covers, in another case", { "iam-no-wildcard-grants": { allowedActions: [{ action: "kms:*", reason: "key admins" }] } },
                { "iam-no-wildcard-grants": { allowedActions: [{ action: "kms:*", reason: "key admins" }, { action: "KMS:Decrypt", reason: "readers" }] } }],
            ["an allow-list entry's reason reworded", { "iam-no-wildcard-grants": { allowedActions: [{ action: "kms:*", reason: "key admins" }] } },
                { "iam-no-wildcard-grants": { allowedActions: [{ action: "kms:*", reason: "key administrators (SEC-9)" }] } }],
            ["an allowed IAM action removed", { "iam-no-wildcard-grants": { allowedActions: [{ action: "kms:*", reason: "key admins" }] } }, {}],
            ["an access level added", {}, { "iam-no-wildcard-grants": { resourceWildcardAccessLevels: ["Write", "Permissions management", "Tagging", "Read", "List"] } }],
            ["a managed policy added to the deny list", {}, { "iam-no-wildcard-grants": { managedPolicyDenyList: ["AdministratorAccess", "PowerUserAccess", "IAMFullAccess", "AWSMcpServiceActionsFullAccess", "SecurityAudit"] } }],
            ["a path ignored beneath one already ignored", { [POLICY]: { ignoreProperties: { "aws:s3/bucket:Bucket": [{ path: "tags", reason: "tagging job" }] } } },
                { [POLICY]: { ignoreProperties: { "aws:s3/bucket:Bucket": [{ path: "tags", reason: "tagging job" }, { path: "tags.team", reason: "reorgs" }] } } }],
            ["an ignored property compared again", { [POLICY]: { ignoreProperties: { "aws:s3/bucket:Bucket": [{ path: "tags", reason: "tagging job" }] } } }, {}],
            ["deleting a locked resource made mandatory", {}, { [POLICY]: { missingLockedResources: "mandatory" } }],
            ["an exemption removed", { "container-image-digest-required": { exemptions: [EXEMPTION] } }, {}],
            ["an exemption added that has already expired", {}, { "container-image-digest-required": { exemptions: [{ ...EXEMPTION, expires: "2026-01-31" }] } }],
            ["lists written in another order", { "storage-object-lock-required": { allowedModes: ["GOVERNANCE", "COMPLIANCE"] } }, { "storage-object-lock-required": { allowedModes: ["COMPLIANCE", "GOVERNANCE"] } }],
        ];
        for (const [what, lockedUnder, inForce] of cases) {
            it(`passes ${what}`, () => {
                assert.deepEqual(messages(checkedAt(lockWithSettings(lockedUnder), inForce)), []);
            });
        }
    });

    describe("which policy reports it", () => {
        it("is the lock policy, at Analyze of the stack resource, which comes before any resource changes", () => {
            assert.equal(checkedAt(lockWithSettings({}), {}).reporter, POLICY);
        });

        it("is the next resource policy that runs when the lock policy is disabled, so disabling it cannot hide its own weakening", () => {
            const checked = checkedAt(lockWithSettings({}), { [POLICY]: "disabled" });
            assert.equal(checked.reporter, "storage-object-lock-required");
            assert.match(messages(checked)[0], /^immutable-no-in-place-update\.enforcementLevel is "disabled"/);
        });

        it("is a stack policy when every resource policy is disabled, even an advisory one", () => {
            const resourcePolicies = policies.filter((p) => !("validateStack" in p)).map((p) => [p.name, "disabled"]);
            const checked = checkedAt(lockWithSettings({}), { ...Object.fromEntries(resourcePolicies), [`${POLICY}-stack`]: "advisory" });
            assert.equal(checked.reporter, `${POLICY}-stack`);
            assert.equal(checked.findings.length, resourcePolicies.length + 1);
        });

        it("is none when every policy is disabled: only a policy group can hold a pack switched off", () => {
            assert.equal(checkedAt(lockWithSettings({}), { all: "disabled" }).reporter, undefined);
        });

        it("judges only the stack the lock was made for", () => {
            assert.equal(checkedAt(lockWithSettings({}), { all: "advisory" }).urnPrefix, "urn:pulumi:prod::shop::");
        });
    });

    describe("locks without settings and locks that cannot be read", () => {
        it("notes, advisory, that a lock made before settings were recorded holds none", () => {
            const [finding, ...rest] = checkedAt(lockOf("aws-prod-show-secrets"), { all: "advisory" }).findings;
            assert.equal(rest.length, 0, "nothing is compared");
            assert.equal(finding.advisory, true);
            assert.match(finding.message, /the lock records no settings \(it was made by an earlier immutable-guard\).*Regenerate it/);
        });

        it("reports a lockFile that cannot be read, mandatory, whatever the lock policy's level", () => {
            const checked = checkedAt(undefined, { [POLICY]: "disabled" }, { lockFile: "/nonexistent/prod.lock.json" });
            const finding = theOnly(checked.findings.map((f) => ({ message: f.message, level: f.advisory ? "advisory" as const : "mandatory" as const })));
            assert.equal(finding.level, "mandatory");
            assert.match(finding.message, /the lock cannot be read \(lockFile names "\/nonexistent\/prod\.lock\.json", which cannot be read\)/);
            assert.equal(checked.urnPrefix, undefined);
        });

        it("refuses settings of the wrong shape in a lock, naming the key", () => {
            const lock = { ...lockWithSettings({}), settings: { "iam-no-wildcard-grants": { allowedActions: [42] } } } as unknown as Lock;
            assert.match(messages(checkedAt(lock, {}))[0], /lock\.settings\["iam-no-wildcard-grants"\]\.allowedActions must be a string, a number or a list of strings/);
        });

        it("counts a locked value of another kind as weaker rather than passing it", () => {
            const lock = lockWithSettings({});
            (lock.settings as NonNullable<Lock["settings"]>)["storage-object-lock-required"].minRetentionDays = "30";
            assert.match(messages(checkedAt(lock, {}))[0], /^storage-object-lock-required\.minRetentionDays is 1 where .* records "30": the lock's value is not of this setting's kind/);
        });
    });

    describe("the reporting policy", () => {
        const stackRoot: Fixture = { type: "pulumi:pulumi:Stack", name: "shop-prod", urn: urnOf("pulumi:pulumi:Stack", "shop-prod", "prod"), props: {} };
        const bucket: Fixture = { type: "aws:s3/bucket:Bucket", name: "audit-logs", urn: urnOf("aws:s3/bucket:Bucket", "audit-logs", "prod"), props: { objectLockEnabled: true } };
        const weakened = () => checkedAt(lockWithSettings({}), { "iam-no-wildcard-grants": "advisory" });
        afterEach(() => setPackFindings({ findings: [] }));

        it("reports the finding when the engine analyzes the stack resource, mandatory, and on no other resource", async () => {
            setPackFindings(weakened());
            const finding = theOnly(await runResourcePolicy(immutableNoInPlaceUpdate, stackRoot));
            assert.equal(finding.level, "mandatory");
            assert.match(finding.message, /^shop-prod \(pulumi:pulumi:Stack\): iam-no-wildcard-grants\.enforcementLevel is "advisory"/);
            assert.deepEqual(await runResourcePolicy(immutableNoInPlaceUpdate, bucket), []);
        });

        it("is not waived by an exemption of the reporting policy, even one the lock knows", async () => {
            const exemptions = [{ urn: "*", reason: "everything", expires: "2099-12-31" }];
            setPackFindings(checkedAt(lockWithSettings({ [POLICY]: { exemptions } }), { [POLICY]: { exemptions }, "iam-no-wildcard-grants": "advisory" }));
            assert.equal(mandatory(await runResourcePolicy(immutableNoInPlaceUpdate, stackRoot, { exemptions })).length, 1);
        });

        it("says nothing about another stack", async () => {
            setPackFindings(weakened());
            assert.deepEqual(await runResourcePolicy(immutableNoInPlaceUpdate, { ...stackRoot, urn: urnOf("pulumi:pulumi:Stack", "shop-dev", "dev") }), []);
        });

        it("is the only policy that reports it", async () => {
            setPackFindings(weakened());
            assert.deepEqual(await runResourcePolicy(iamNoWildcardGrants, stackRoot), []);
            assert.deepEqual(await runStackPolicy(immutableNoInPlaceUpdateStack, [stackRoot, bucket]), []);
        });

        it("as a stack policy, reports it once per stack analysis, on the stack resource", async () => {
            setPackFindings({ ...weakened(), reporter: `${POLICY}-stack` });
            const finding = theOnly(await runStackPolicy(immutableNoInPlaceUpdateStack, [bucket, stackRoot]));
            assert.equal(finding.level, "mandatory");
            assert.equal(finding.urn, stackRoot.urn);
        });

        it("keeps the advisory note about a lock without settings advisory", async () => {
            setPackFindings(checkedAt(lockOf("aws-prod-show-secrets"), {}));
            assert.equal(advisory(await runResourcePolicy(immutableNoInPlaceUpdate, stackRoot)).length, 1);
        });
    });

    describe("glob coverage", () => {
        const cases: [string, string, boolean, boolean][] = [
            ["kms:*", "kms:decrypt", true, true],
            ["s3:*", "s3:get*", true, true],
            ["a*b", "a*", false, false],
            ["s3:Get*", "s3:*", false, false],
            ["urn:*::audit-?", "urn:x::audit-1", false, false],
            ["KMS:*", "kms:Decrypt", true, true],
            ["KMS:*", "kms:Decrypt", false, false],
        ];
        for (const [general, specific, caseInsensitive, covered] of cases) {
            it(`${covered ? "covers" : "does not cover"} ${specific} by ${general}${caseInsensitive ? " ignoring case" : ""}`, () => {
                assert.equal(globCovers(general, specific, caseInsensitive), covered);
            });
        }
    });
});
