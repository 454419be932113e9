import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import * as vm from "vm";
import { previewDeclarations, previewProgram, UNIT_SIZE, type Declaration } from "../bench/preview-program";

const ROOT = path.resolve(__dirname, "..");

/** The literal tags or labels of a declaration whose arguments are plain JSON. */
function flagOf(d: Declaration): string | undefined {
    const args = JSON.parse(d.args) as { tags?: Record<string, string>; metadata?: { labels?: Record<string, string> } };
    return (args.tags ?? args.metadata?.labels)?.immutable;
}

describe("the benchmark's generated preview programs", () => {
    const declarations = previewDeclarations(1000);

    it("declare exactly the number of resources asked for, in whole units of the mix", () => {
        for (const size of [UNIT_SIZE, 100, 1000]) {
            assert.equal(previewDeclarations(size).length, size);
        }
        for (const size of [0, -10, 15, 2.5, 1001]) {
            assert.throws(() => previewDeclarations(size), /positive multiple of 10/, String(size));
        }
    });

    it("mix S3 buckets with their versioning and lock, IAM roles, policies and attachments, ECR repositories and Kubernetes workloads evenly", () => {
        const perType = new Map<string, number>();
        for (const d of declarations) {
            perType.set(d.type, (perType.get(d.type) ?? 0) + 1);
        }
        assert.deepEqual([...perType.keys()].sort(), [
            "aws:ecr/repository:Repository",
            "aws:iam/policy:Policy",
            "aws:iam/role:Role",
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            "aws:s3/bucket:Bucket",
            "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
            "aws:s3/bucketVersioning:BucketVersioning",
            "kubernetes:apps/v1:Deployment",
            "kubernetes:core/v1:ConfigMap",
            "kubernetes:core/v1:Service",
        ]);
        assert.ok([...perType.values()].every((n) => n === 1000 / UNIT_SIZE));
    });

    it("give every resource its own URN and variable, and read only resources declared before it", () => {
        assert.equal(new Set(declarations.map((d) => `${d.type}::${d.name}`)).size, declarations.length);
        const declared = new Set<string>();
        for (const d of declarations) {
            for (const read of d.reads) {
                assert.ok(declared.has(read), `${d.variable} reads ${read} before it is declared`);
                assert.ok(d.args.includes(`${read}.`), `${d.variable} reads an output of ${read}`);
            }
            assert.ok(!declared.has(d.variable));
            declared.add(d.variable);
        }
    });

    it("flag some buckets and repositories and every ConfigMap immutable, so the lock has entries of each", () => {
        const flagged = (type: string) => declarations.filter((d) => d.type === type && flagOf(d) === "true").length;
        assert.equal(flagged("aws:s3/bucket:Bucket"), 25);
        assert.equal(flagged("aws:ecr/repository:Repository"), 20);
        assert.equal(flagged("kubernetes:core/v1:ConfigMap"), 100);
    });

    it("are JavaScript with the TypeScript runtime option off, holding one `new` per resource", () => {
        const files = previewProgram(100);
        assert.deepEqual(Object.keys(files).sort(), ["Pulumi.yaml", "index.js", "package.json"]);
        assert.match(files["Pulumi.yaml"], /^runtime:\n {2}name: nodejs\n {2}options:\n {4}typescript: false$/m);
        assert.match(files["Pulumi.yaml"], /^main: index\.js$/m);
        assert.doesNotThrow(() => new vm.Script(files["index.js"], { filename: "index.js" }));
        assert.equal(files["index.js"].match(/^const \w+ = new (aws|k8s)\.[\w.]+\(/gm)?.length, 100);
    });

    it("run as a Pulumi program and pass every policy of the pack", async function () {
        this.timeout(120000);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ig-preview-program-"));
        try {
            for (const [file, text] of Object.entries(previewProgram(100))) {
                fs.writeFileSync(path.join(dir, file), text);
            }
            fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
            const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, "bin", "cli", "main.js"), "dry-run", dir, "--format", "json"], {
                cwd: ROOT,
                maxBuffer: 64 * 1024 * 1024,
            });
            const report = JSON.parse(stdout) as { summary: Record<string, number> };
            // The program's resources, its stack and the two default providers.
            assert.deepEqual(report.summary, { stacks: 1, resources: 103, mandatory: 0, advisory: 0, errors: 0, incomplete: 0 });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
