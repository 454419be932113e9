/**
 * The lock through the real CLI: `pulumi up`, `pulumi stack export` (with and without
 * --show-secrets) into `immutable-guard lock`, then previews of the unchanged stack, of an in-place
 * change, of the same change as a replacement, and of a removed flag; `pulumi preview --json` into
 * `immutable-guard plan-check`.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { immutableGuard } from "./lib/immutable-guard";
import { deployLockedStack, holdsSecret } from "./lib/locked-stack";
import { findings, PACK_DIR, Program, Workspace } from "./lib/workspace";
const BUCKET_URN = "urn:pulumi:dev::locked-stack::aws:s3/bucket:Bucket::evidence";

describe("the lock under the real CLI", () => {
    let workspace: Workspace;
    let program: Program;
    let lockConfig: string;
    let encryptedLockConfig: string;
    let exported: string;

    const preview = (config: string, extra: string[] = []) =>
        program.withEvents(["preview", "--non-interactive", "--policy-pack", PACK_DIR, "--policy-pack-config", config, ...extra]);
    const setVariant = (variant: string) => program.must(["config", "set", "variant", variant]);

    /** A copy of the lock's config with a week-long exemption of the evidence bucket. */
    function withBucketExemption(reason: string): string {
        const config = JSON.parse(fs.readFileSync(lockConfig, "utf8"));
        const expires = new Date(Date.now() + 7 * 86400_000).toISOString().slice(0, 10);
        config["immutable-no-in-place-update"].exemptions = [{ urn: BUCKET_URN, reason, expires }];
        const file = path.join(workspace.root, `lock-config-exempted-${reason.replace(/\W+/g, "-")}.json`);
        fs.writeFileSync(file, JSON.stringify(config));
        return file;
    }

    before(async () => {
        workspace = new Workspace();
        ({ program, lockConfig, encryptedLockConfig, exported } = await deployLockedStack(workspace));
    });
    after(() => workspace.dispose());

    it("locks every flagged resource of the stack, without the secret's value", () => {
        for (const file of [lockConfig, encryptedLockConfig]) {
            const text = fs.readFileSync(file, "utf8");
            assert.ok(!holdsSecret(text), `${file} holds the secret`);
            const lock = JSON.parse(text)["immutable-no-in-place-update"].lock;
            assert.deepEqual(Object.keys(lock.resources).map((urn) => urn.slice(urn.lastIndexOf("::") + 2)).sort(), [
                "evidence",
                "ledger-credentials",
                "ledger-settings",
            ]);
        }
    });

    it("passes the next unchanged preview with no finding at all", async () => {
        const result = await preview(lockConfig);
        assert.deepEqual(findings(result.events), [], result.stdout);
        assert.equal(result.code, 0, result.stdout + result.stderr);
    });

    it("with a lock made without --show-secrets, says only that the secret cannot be verified (advisory)", async () => {
        const result = await preview(encryptedLockConfig);
        const found = findings(result.events);
        assert.deepEqual(
            found.map((f) => `${f.policy} ${f.resource} ${f.level}`),
            ["immutable-no-in-place-update ledger-credentials advisory"],
            result.stdout,
        );
        assert.equal(result.code, 0, result.stdout + result.stderr);
    });

    describe("an in-place change of a flagged property", () => {
        before(() => setVariant("retag"));

        it("fails the preview, naming the property", async () => {
            const result = await preview(lockConfig);
            const found = findings(result.events);
            assert.deepEqual(found.map((f) => `${f.policy} ${f.resource} ${f.level}`), ["immutable-no-in-place-update evidence mandatory"]);
            assert.match(found[0].message, /tags\.team/);
            assert.notEqual(result.code, 0);
            assert.match(result.stdout, /tags\.team/);
        });

        it("makes plan-check exit 1 on its `pulumi preview --json`", async () => {
            const plan = await program.pulumi(["preview", "--json", "--non-interactive"]);
            const check = await immutableGuard(["plan-check", "-", "--config", lockConfig], plan.stdout);
            assert.equal(check.code, 1, check.stdout + check.stderr);
            assert.match(check.stdout + check.stderr, /evidence/);
        });
    });

    describe("the same change made as a replacement (replaceOnChanges)", () => {
        before(() => setVariant("replace"));

        it("passes plan-check: the engine plans a replacement", async () => {
            const plan = await program.pulumi(["preview", "--json", "--non-interactive"]);
            const steps = (JSON.parse(plan.stdout).steps as { op: string; urn: string }[]).filter((s) => s.urn === BUCKET_URN);
            assert.ok(steps.some((s) => s.op === "replace"), JSON.stringify(steps));
            const check = await immutableGuard(["plan-check", "-", "--config", lockConfig], plan.stdout);
            assert.equal(check.code, 0, check.stdout + check.stderr);
        });

        it("passes the preview with the documented short exemption, and shows the exemption used", async () => {
            // As docs/lock.md says: the exemption in the config, and the lock regenerated with it in the same commit.
            const exempted = withBucketExemption("rotate the evidence bucket's owner");
            const relocked = await immutableGuard(["lock", "-", "--config", exempted, "--out", exempted], exported);
            assert.equal(relocked.code, 0, relocked.stderr);

            const result = await preview(exempted);
            assert.equal(result.code, 0, result.stdout + result.stderr);
            assert.ok(!findings(result.events).some((f) => f.level === "mandatory"), result.stdout);
            assert.match(result.stdout, /rotate the evidence bucket's owner/);
        });

        it("fails the preview with an exemption the lock does not know: a weaker setting", async () => {
            const result = await preview(withBucketExemption("slipped in without a new lock"));
            assert.notEqual(result.code, 0, result.stdout);
            assert.ok(findings(result.events).some((f) => f.level === "mandatory" && /exemption/i.test(f.message)), result.stdout);
        });

        it("still fails the preview without the exemption: the pack cannot see replaceOnChanges", async () => {
            const result = await preview(lockConfig);
            assert.notEqual(result.code, 0);
        });
    });

    describe("removing the flag from a locked resource", () => {
        before(() => setVariant("unflag"));

        it("fails the preview, saying the flag was removed", async () => {
            const result = await preview(lockConfig);
            const found = findings(result.events);
            // Removing the flag is itself an in-place change of the locked tags: both are said.
            assert.deepEqual(found.map((f) => `${f.policy} ${f.resource} ${f.level}`), [
                "immutable-no-in-place-update evidence mandatory",
                "immutable-no-in-place-update evidence mandatory",
            ]);
            assert.ok(found.some((f) => /in the lock but no longer flagged immutable/.test(f.message)), result.stdout);
            assert.ok(found.some((f) => /tags\.immutable removed/.test(f.message)), result.stdout);
            assert.notEqual(result.code, 0);
        });
    });

});
