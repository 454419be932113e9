import { strict as assert } from "assert";
import { setPackFlagRules } from "../rules/lib/flagging";
import { UNKNOWN_BOOLEAN, UNKNOWN_STRING } from "../rules/lib/unknowns";
import { vaultLockRequiredStack as policy } from "../rules/vault-lock-required";
import { clone, fixture } from "./lib/fixtures";
import { advisory, mandatory, runStackPolicy, urnOf, type Fixture } from "./lib/harness";

const load = (name: string) => fixture("vault-lock-required", name);
const urn = (f: Fixture) => urnOf(f.type, f.name ?? "example");

/** A lock as a program writes it, `vaultName: vault.name`: known at preview, with its dependency. */
function lockedBy(lock: Fixture, vault: Fixture, reference: string): Fixture {
    return { ...clone(lock), propertyDependencies: { [reference]: [urn(vault)] }, dependencies: [urn(vault)] };
}

describe("vault-lock-required-stack", () => {
    describe("AWS Backup", () => {
        const vault = load("backup-vault-flagged");

        it("passes a flagged vault with a compliance-mode lock and a minimum retention", async () => {
            const lock = lockedBy(load("backup-vault-lock-compliance-35-days"), vault, "backupVaultName");
            assert.deepEqual(await runStackPolicy(policy, [vault, lock]), []);
        });

        it("rejects a flagged vault without a lock, with the line that adds one", async () => {
            const [finding, ...rest] = await runStackPolicy(policy, [vault]);
            assert.equal(rest.length, 0);
            assert.equal(finding.level, "mandatory");
            assert.equal(finding.urn, urn(vault));
            assert.match(finding.message, /^evidence-vault \(aws:backup\/vault:Vault\): is flagged immutable but no vault lock in the stack applies to it/);
            assert.match(finding.message, /`new aws\.backup\.VaultLockConfiguration\("evidence-vault-lock", \{ backupVaultName: evidenceVault\.name, minRetentionDays: 1 \}\);`/);
        });

        it("suggests a compliance-mode lock when only COMPLIANCE is allowed", async () => {
            const [finding] = await runStackPolicy(policy, [vault], { allowedModes: ["COMPLIANCE"], minRetentionDays: 30 });
            assert.match(finding.message, /minRetentionDays: 30, changeableForDays: 3 \}\);`/);
        });

        it("rejects a lock without a minimum retention, on the lock and naming its vault", async () => {
            const lock = lockedBy(load("backup-vault-lock-governance-no-minimum"), vault, "backupVaultName");
            const [finding, ...rest] = await runStackPolicy(policy, [vault, lock]);
            assert.equal(rest.length, 0);
            assert.equal(finding.urn, urn(lock));
            assert.match(finding.message, /^minRetentionDays of evidence-vault-lock \(aws:backup\/vaultLockConfiguration:VaultLockConfiguration\): is not set, so the lock lets recovery points be deleted at any age; set `minRetentionDays: 1`\. \(This is the lock of the flagged vault evidence-vault\.\)/);
        });

        it("rejects a governance-mode lock when only COMPLIANCE is allowed", async () => {
            const lock = lockedBy(load("backup-vault-lock-compliance-35-days"), vault, "backupVaultName");
            delete lock.props.changeableForDays;
            const [finding] = mandatory(await runStackPolicy(policy, [vault, lock], { allowedModes: ["COMPLIANCE"] }));
            assert.match(finding.message, /^changeableForDays of evidence-vault-lock .*is not set, so the lock is in governance mode.*set `changeableForDays: 3`/);
        });

        it("reads a changeableForDays of 0 as none, as the provider does", async () => {
            const lock = lockedBy(load("backup-vault-lock-compliance-35-days"), vault, "backupVaultName");
            lock.props.changeableForDays = 0;
            assert.deepEqual(await runStackPolicy(policy, [vault, lock], { allowedModes: ["GOVERNANCE"] }), []);
        });

        it("rejects a compliance-mode lock when only GOVERNANCE is allowed", async () => {
            const lock = lockedBy(load("backup-vault-lock-compliance-35-days"), vault, "backupVaultName");
            const [finding] = mandatory(await runStackPolicy(policy, [vault, lock], { allowedModes: ["GOVERNANCE"] }));
            assert.match(finding.message, /^changeableForDays of evidence-vault-lock .*makes a compliance-mode lock/);
        });

        it("rejects a minimum retention shorter than minRetentionDays", async () => {
            const lock = lockedBy(load("backup-vault-lock-compliance-35-days"), vault, "backupVaultName");
            const [finding] = mandatory(await runStackPolicy(policy, [vault, lock], { minRetentionDays: 90 }));
            assert.match(finding.message, /^minRetentionDays of evidence-vault-lock .*is 35, below the minimum of 90 days/);
        });

        it("links a lock by the vault's generated name alone", async () => {
            const lock = clone(load("backup-vault-lock-compliance-35-days"));
            assert.deepEqual(await runStackPolicy(policy, [vault, lock]), []);
        });

        it("does not require a lock on a vault that is not flagged", async () => {
            const plain = { ...clone(vault), props: { ...vault.props, tags: { team: "platform" } } };
            assert.deepEqual(await runStackPolicy(policy, [plain]), []);
        });

        it("requires a lock on every vault of a type listed in the flag rules", async () => {
            setPackFlagRules({ types: ["aws:backup/vault:Vault"] });
            try {
                const plain = { ...clone(vault), props: { ...vault.props, tags: {} } };
                assert.equal(mandatory(await runStackPolicy(policy, [plain])).length, 1);
            } finally {
                setPackFlagRules(undefined);
            }
        });

        it("is advisory about a vault without a lock while a lock's vault is unknown and untraceable", async () => {
            const lock = { ...clone(load("backup-vault-lock-compliance-35-days")), props: { backupVaultName: UNKNOWN_STRING, minRetentionDays: 35 } };
            const reported = await runStackPolicy(policy, [vault, lock]);
            assert.deepEqual(reported.map((r) => r.level), ["advisory"]);
            assert.match(advisory(reported)[0].message, /the vault of evidence-vault-lock is unknown during preview and may be this one/);
        });

        it("checks a lock whose vault name is unknown at preview but traced by its dependency", async () => {
            const lock = lockedBy(load("backup-vault-lock-governance-no-minimum"), vault, "backupVaultName");
            lock.props.backupVaultName = UNKNOWN_STRING;
            assert.equal(mandatory(await runStackPolicy(policy, [vault, lock])).length, 1);
        });
    });

    describe("Glacier", () => {
        const vault = load("glacier-vault-flagged");

        it("passes a flagged vault whose lock is complete", async () => {
            const lock = lockedBy(load("glacier-lock-test-mode"), vault, "vaultName");
            lock.props.completeLock = true;
            assert.deepEqual(await runStackPolicy(policy, [vault, lock]), []);
        });

        it("rejects a lock left in its 24-hour test mode", async () => {
            const lock = lockedBy(load("glacier-lock-test-mode"), vault, "vaultName");
            const [finding, ...rest] = await runStackPolicy(policy, [vault, lock]);
            assert.equal(rest.length, 0);
            assert.equal(finding.urn, urn(lock));
            assert.match(finding.message, /^completeLock of audit-archive-lock \(aws:glacier\/vaultLock:VaultLock\): is false: the lock policy stays in test mode for 24 hours and Glacier then removes it.*set `completeLock: true`/);
        });

        it("rejects a flagged vault without a lock, with the line that adds one", async () => {
            const [finding] = await runStackPolicy(policy, [vault]);
            assert.match(finding.message, /^audit-archive \(aws:glacier\/vault:Vault\): is flagged immutable but no vault lock/);
            assert.match(finding.message, /`new aws\.glacier\.VaultLock\("audit-archive-lock", \{ vaultName: auditArchive\.name, completeLock: true, policy: lockPolicy \}\);`, where lockPolicy is a JSON policy that denies glacier:DeleteArchive/);
        });

        it("does not take a Backup vault lock for a Glacier vault of the same name", async () => {
            const backupLock = { ...clone(load("backup-vault-lock-compliance-35-days")), props: { backupVaultName: vault.props.name, minRetentionDays: 35 } };
            assert.equal(mandatory(await runStackPolicy(policy, [vault, backupLock])).length, 1);
        });

        it("reports a completeLock unknown at preview as advisory", async () => {
            const lock = lockedBy(load("glacier-lock-test-mode"), vault, "vaultName");
            lock.props.completeLock = UNKNOWN_BOOLEAN;
            assert.deepEqual((await runStackPolicy(policy, [vault, lock])).map((r) => r.level), ["advisory"]);
        });
    });

    it("passes a stack with a logically air-gapped vault and no lock resource", async () => {
        assert.deepEqual(await runStackPolicy(policy, [load("air-gapped-vault-7-days")]), []);
    });
});
