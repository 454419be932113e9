import { strict as assert } from "assert";
import { UNKNOWN_STRING } from "../rules/lib/unknowns";
import { vaultLockRequired as policy } from "../rules/vault-lock-required";
import { clone, fixture } from "./lib/fixtures";
import { mandatory, runResourcePolicy, theOnly } from "./lib/harness";

const load = (name: string) => fixture("vault-lock-required", name);

describe("vault-lock-required", () => {
    it("passes a flagged Backup vault, leaving its lock to the stack half", async () => {
        assert.deepEqual(await runResourcePolicy(policy, load("backup-vault-flagged")), []);
    });

    it("rejects forceDestroy on a flagged Backup vault", async () => {
        const finding = theOnly(mandatory(await runResourcePolicy(policy, load("backup-vault-force-destroy"))));
        assert.match(finding.message, /^forceDestroy of evidence-vault \(aws:backup\/vault:Vault\): is true: destroying or replacing it first deletes every recovery point in the vault/);
        assert.match(finding.message, /set `forceDestroy: false`/);
    });

    it("leaves forceDestroy alone on a vault that is not flagged", async () => {
        const f = clone(load("backup-vault-force-destroy"));
        f.props.tags = { team: "platform" };
        assert.deepEqual(await runResourcePolicy(policy, f), []);
    });

    it("passes a flagged logically air-gapped vault, locked by construction", async () => {
        assert.deepEqual(await runResourcePolicy(policy, load("air-gapped-vault-7-days")), []);
    });

    it("rejects a flagged air-gapped vault that keeps recovery points for less than minRetentionDays", async () => {
        const [finding] = mandatory(await runResourcePolicy(policy, load("air-gapped-vault-7-days"), { minRetentionDays: 30 }));
        assert.match(finding.message, /^minRetentionDays of recovery \(aws:backup\/logicallyAirGappedVault:LogicallyAirGappedVault\): is 7, below the minimum of 30 days .*set `minRetentionDays: 30`/);
    });

    it("makes a finding advisory while the vault's tags are unknown", async () => {
        const f = clone(load("backup-vault-force-destroy"));
        f.props.tags = { immutable: UNKNOWN_STRING };
        const reported = await runResourcePolicy(policy, f);
        assert.deepEqual(reported.map((r) => r.level), ["advisory"]);
        assert.match(reported[0].message, /flagged immutable, which depends on its tags\.immutable/);
    });

    it("ignores the Glacier vault, whose lock only the stack half can see", async () => {
        assert.deepEqual(await runResourcePolicy(policy, load("glacier-vault-flagged")), []);
    });
});
