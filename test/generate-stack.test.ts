import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generateStack, LOCK_POLICY, packConfigFor, stackExport, typicalResources } from "../bench/generate-stack";

function isFlagged(props: Record<string, unknown>, type: string): boolean {
    const tags = type.startsWith("kubernetes:") ? (props.metadata as { labels?: Record<string, string> })?.labels : props.tags;
    return (tags as Record<string, string> | undefined)?.immutable === "true";
}

describe("the benchmark's generated stacks", () => {
    const stack = generateStack(1000);

    it("holds exactly the number of resources asked for, each with its own URN", () => {
        for (const size of [1, 3, 7, 200, 1000]) {
            const { resources } = generateStack(size);
            assert.equal(resources.length, size);
            assert.equal(new Set(resources.map((r) => r.urn)).size, size);
        }
    });

    it("mixes locked buckets, IAM documents, Deployments, task definitions and flagged resources", () => {
        const types = new Set(stack.resources.map((r) => r.type));
        for (const type of [
            "aws:s3/bucket:Bucket",
            "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
            "aws:s3/bucketVersioning:BucketVersioning",
            "aws:iam/policy:Policy",
            "aws:iam/role:Role",
            "kubernetes:apps/v1:Deployment",
            "aws:ecs/taskDefinition:TaskDefinition",
        ]) {
            assert.ok(types.has(type), type);
        }
        const flagged = stack.resources.filter((r) => isFlagged(r.properties, r.type));
        assert.ok(flagged.length > 100, `${flagged.length} flagged resources`);
    });

    it("writes IAM policies as JSON strings and as document objects, as programs do", () => {
        const documents = stack.resources.filter((r) => r.type === "aws:iam/policy:Policy").map((r) => r.properties.policy);
        assert.ok(documents.some((d) => typeof d === "string" && (JSON.parse(d) as { Version: string }).Version === "2012-10-17"));
        assert.ok(documents.some((d) => typeof d === "object" && d !== null));
    });

    it("makes every dependency point at a resource earlier in the stack", () => {
        const seen = new Set<string>();
        for (const r of stack.resources) {
            for (const urn of [...(r.dependencies ?? []), ...Object.values(r.propertyDependencies ?? {}).flat(), ...(r.parent ? [r.parent] : [])]) {
                assert.ok(seen.has(urn), `${r.urn} depends on ${urn}`);
            }
            seen.add(r.urn);
        }
    });

    it("is the same stack every time", () => {
        assert.deepEqual(generateStack(1000), stack);
    });

    it("has a typical resource for each core policy", () => {
        const typical = typicalResources(stack);
        assert.equal(typical.length, 5);
        assert.ok(typical.every(({ resource }) => stack.resources.includes(resource)));
    });

    it("exports the deployed stack with the inputs from before the preview's changes", () => {
        const exported = stackExport(stack) as { deployment: { resources: Array<{ urn: string; inputs: Record<string, unknown> }> } };
        assert.equal(exported.deployment.resources.length, stack.resources.length);
        assert.ok(stack.deployedInputs.size > 0);
        for (const [urn, inputs] of stack.deployedInputs) {
            const deployed = exported.deployment.resources.find((r) => r.urn === urn)!;
            assert.equal(deployed.inputs.allocatedStorage, inputs.allocatedStorage);
            assert.notEqual(stack.resources.find((r) => r.urn === urn)!.properties.allocatedStorage, inputs.allocatedStorage);
        }
    });

    it("sends no lock to a pack without the immutable-no-in-place-update policy", () => {
        assert.deepEqual(packConfigFor(stack, ["container-image-digest-required"], os.tmpdir()), { config: {}, lockSource: "none" });
    });

    it("writes the lock in the contract's shape for a pack that has the policy but no lock command", () => {
        const packDir = fs.mkdtempSync(path.join(os.tmpdir(), "ig-no-lock-command-"));
        try {
            const { config, lockSource } = packConfigFor(stack, [LOCK_POLICY], packDir);
            assert.equal(lockSource, "contract shape");
            const lock = config[LOCK_POLICY].lock as { resources: Array<{ urn: string; type: string; inputs: Record<string, string> }> };
            const flagged = stack.resources.filter((r) => isFlagged(r.properties, r.type));
            assert.deepEqual(lock.resources.map((e) => e.urn), flagged.map((r) => r.urn));
            const entry = lock.resources[0];
            assert.match(Object.values(entry.inputs)[0], /^[0-9a-f]{64}$/);
            assert.doesNotMatch(JSON.stringify(lock), /acme-data|feature\.search/);
        } finally {
            fs.rmSync(packDir, { recursive: true, force: true });
        }
    });
});
