/**
 * `pulumi policy analyze` over a deployed stack: the engine sends the stored inputs to Analyze and
 * the stored outputs to AnalyzeStack. A clean stack passes; states edited and brought back with
 * `pulumi stack import` (drift of a flagged resource, a bucket whose object lock was removed) fail
 * with exactly the documented findings, read from the command's --json output.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { deployLockedStack, type LockedStack } from "./lib/locked-stack";
import { findings, PACK_DIR, Workspace, type EngineEvent } from "./lib/workspace";

interface StateResource {
    urn: string;
    type: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
}

describe("pulumi policy analyze", () => {
    let workspace: Workspace;
    let stack: LockedStack;

    before(async () => {
        workspace = new Workspace();
        stack = await deployLockedStack(workspace);
    });
    after(() => workspace.dispose());

    async function analyze() {
        const result = await stack.program.pulumi(["policy", "analyze", "--policy-pack", PACK_DIR, "--policy-pack-config", stack.lockConfig, "--json"]);
        const events = result.stdout
            .split("\n")
            .filter((line) => line.startsWith("{"))
            .map((line) => JSON.parse(line) as EngineEvent);
        return { ...result, found: findings(events).map((f) => `${f.policy} ${f.resource} ${f.level}`), messages: findings(events).map((f) => f.message) };
    }

    /** Exports the state, changes it, and brings it back with `pulumi stack import`. */
    async function importEdited(edit: (resources: StateResource[]) => StateResource[]) {
        const exported = JSON.parse((await stack.program.must(["stack", "export", "--show-secrets"])).stdout);
        exported.deployment.resources = edit(exported.deployment.resources as StateResource[]);
        const file = path.join(workspace.root, `edited-${Date.now()}.json`);
        fs.writeFileSync(file, JSON.stringify(exported));
        await stack.program.must(["stack", "import", "--file", file]);
    }

    const named = (name: string) => (r: StateResource) => r.urn.endsWith(`::${name}`);

    it("passes the stack as deployed, exit 0", async () => {
        const result = await analyze();
        assert.deepEqual(result.found, [], result.stdout);
        assert.equal(result.code, 0, result.stdout + result.stderr);
    });

    it("reports drift of a flagged resource against the lock, exit non-zero", async () => {
        await importEdited((resources) =>
            resources.map((r) =>
                named("evidence")(r) && r.type === "aws:s3/bucket:Bucket"
                    ? { ...r, inputs: { ...r.inputs, tags: { immutable: "true", team: "drifted" } } }
                    : r,
            ),
        );
        const result = await analyze();
        assert.deepEqual(result.found, ["immutable-no-in-place-update evidence mandatory"], result.stdout);
        assert.match(result.messages[0], /tags\.team/);
        assert.notEqual(result.code, 0);
    });

    it("reports a bucket whose object lock was removed", async () => {
        await importEdited((resources) =>
            resources
                .filter((r) => r.type !== "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
                .map((r) => {
                    if (!(named("evidence")(r) && r.type === "aws:s3/bucket:Bucket")) {
                        return r;
                    }
                    const { objectLockEnabled: _in, ...inputs } = r.inputs ?? {};
                    const { objectLockEnabled: _out, ...outputs } = r.outputs ?? {};
                    return { ...r, inputs: { ...inputs, tags: { immutable: "true", team: "security" } }, outputs };
                }),
        );
        const result = await analyze();
        assert.deepEqual(
            result.found,
            // Without objectLockEnabled the resource half leaves the bucket to the stack half, which
            // looks for a lock configuration anywhere in the stack and finds none.
            ["immutable-no-in-place-update evidence mandatory", "storage-object-lock-required-stack evidence mandatory"],
            result.stdout,
        );
        assert.match(result.messages[0], /objectLockEnabled removed/);
        assert.match(result.messages[1], /no lock configuration in the stack applies to this bucket/);
        assert.notEqual(result.code, 0);
    });
});
