import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildManifest, renderManifest, writeManifest } from "../cli/pack-manifest";
import { manifestDigest, MANIFEST_FILE, packDigestOf } from "../rules/lib/pack-package";
import { runCommand } from "./lib/cli";

const POLICY_INTEGRITY = "sha512-3mQy6b3tA7k9h1mD2x5Y8pV0aW4ZfJcR6nS1eLqK7uT9oB2iG5vH8jX0yC4dE1fA3gI6kM9nP2rS5tU8wZ1bC==";

/** A small installed pack as `npm pack` + the CLI's install leave it: compiled code, package.json, shrinkwrap. */
function installedPack(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ig-verify-"));
    const files: Record<string, string> = {
        "package.json": JSON.stringify({ name: "immutable-guard", version: "1.2.3", main: "bin/index.js", dependencies: { "@pulumi/policy": "~1.21.0" } }, null, 2),
        "PulumiPolicy.yaml": "runtime:\n  name: nodejs\n  options:\n    production: true\n",
        "npm-shrinkwrap.json": JSON.stringify({ name: "immutable-guard", version: "1.2.3", lockfileVersion: 3, requires: true, packages: { "": { name: "immutable-guard", version: "1.2.3" }, "node_modules/@pulumi/policy": { version: "1.21.0", resolved: "https://registry.npmjs.org/@pulumi/policy/-/policy-1.21.0.tgz", integrity: POLICY_INTEGRITY, license: "Apache-2.0", optional: true } } }, null, 2),
        "bin/index.js": "\"use strict\";\nrequire(\"./rules\");\n",
        "bin/rules/index.js": "\"use strict\";\nexports.policies = [];\n",
        "README.md": "# immutable-guard\n",
    };
    for (const [file, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
    }
    // What the CLI installs beside the pack is npm's to check against the shrinkwrap, not the manifest's.
    fs.mkdirSync(path.join(dir, "node_modules", "@pulumi", "policy"), { recursive: true });
    fs.writeFileSync(path.join(dir, "node_modules", "@pulumi", "policy", "index.js"), "");
    writeManifest(dir);
    return dir;
}

describe("immutable-guard verify", () => {
    let dir: string;
    beforeEach(() => {
        dir = installedPack();
    });
    afterEach(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("exits 0 on a clean install and prints the pack digest report lines carry", async () => {
        const result = await runCommand(["verify", dir]);
        assert.equal(result.code, 0, result.stdout + result.stderr);
        assert.match(result.stdout, /immutable-guard 1\.2\.3, all 5 files match pack-manifest\.json/);
        assert.ok(result.stdout.includes(`pack digest ${packDigestOf(dir)}`));
    });

    it("lists the compiled code, package.json, PulumiPolicy.yaml and the shrinkwrap, not the README or node_modules", () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), "utf8")) as { files: Record<string, string> };
        assert.deepEqual(Object.keys(manifest.files), ["PulumiPolicy.yaml", "bin/index.js", "bin/rules/index.js", "npm-shrinkwrap.json", "package.json"]);
    });

    it("exits 1 naming a compiled file whose bytes changed", async () => {
        fs.appendFileSync(path.join(dir, "bin", "rules", "index.js"), "exports.policies.length = 0;\n");
        const result = await runCommand(["verify", dir]);
        assert.equal(result.code, 1);
        assert.match(result.stdout, /^changed: bin\/rules\/index\.js$/m);
        assert.match(result.stdout, /does not match pack-manifest\.json \(1 difference\)/);
    });

    it("exits 1 naming a missing file and an added one, each on its own line", async () => {
        fs.rmSync(path.join(dir, "bin", "index.js"));
        fs.writeFileSync(path.join(dir, "bin", "rules", "extra.js"), "module.exports = {};\n");
        const result = await runCommand(["verify", dir]);
        assert.equal(result.code, 1);
        assert.deepEqual(result.stdout.split("\n").filter((l) => /^(changed|missing|added):/.test(l)), ["missing: bin/index.js", "added: bin/rules/extra.js"]);
    });

    it("treats a shrinkwrap that appears after the build as added, and a changed PulumiPolicy.yaml as changed", async () => {
        fs.rmSync(path.join(dir, "npm-shrinkwrap.json"));
        writeManifest(dir);
        fs.writeFileSync(path.join(dir, "npm-shrinkwrap.json"), "{}");
        fs.writeFileSync(path.join(dir, "PulumiPolicy.yaml"), "runtime: nodejs\n");
        const result = await runCommand(["verify", dir]);
        assert.equal(result.code, 1);
        assert.match(result.stdout, /^changed: PulumiPolicy\.yaml$/m);
        assert.match(result.stdout, /^added: npm-shrinkwrap\.json$/m);
    });

    it("accepts the shrinkwrap as npm rewrites it after installing: its own key order, resolved URLs dropped by the user's config", async () => {
        const file = path.join(dir, "npm-shrinkwrap.json");
        const lock = JSON.parse(fs.readFileSync(file, "utf8")) as { packages: Record<string, Record<string, unknown>> };
        const { optional, resolved: _resolved, ...rest } = lock.packages["node_modules/@pulumi/policy"];
        lock.packages["node_modules/@pulumi/policy"] = { optional, ...rest };
        fs.writeFileSync(file, JSON.stringify(lock, null, 4) + "\n");
        assert.equal((await runCommand(["verify", dir])).code, 0);
    });

    for (const [what, change] of [
        ["another version", (e: Record<string, unknown>) => (e.version = "1.21.1")],
        ["another integrity hash", (e: Record<string, unknown>) => (e.integrity = POLICY_INTEGRITY.replace("3mQy", "4mQy"))],
    ] as const) {
        it(`names the shrinkwrap when it pins ${what}`, async () => {
            const file = path.join(dir, "npm-shrinkwrap.json");
            const lock = JSON.parse(fs.readFileSync(file, "utf8")) as { packages: Record<string, Record<string, unknown>> };
            change(lock.packages["node_modules/@pulumi/policy"]);
            fs.writeFileSync(file, JSON.stringify(lock, null, 2));
            const result = await runCommand(["verify", dir]);
            assert.equal(result.code, 1);
            assert.match(result.stdout, /^changed: npm-shrinkwrap\.json$/m);
        });
    }

    it("exits 1 when the manifest's digest is not the one the auditor expects, even if every file matches it", async () => {
        const expected = packDigestOf(dir)!;
        assert.equal((await runCommand(["verify", dir, "--digest", expected])).code, 0);
        // Code and manifest changed together: only the digest recorded elsewhere catches it.
        fs.appendFileSync(path.join(dir, "bin", "index.js"), "// changed\n");
        writeManifest(dir);
        const result = await runCommand(["verify", dir, "--digest", expected]);
        assert.equal(result.code, 1);
        assert.match(result.stdout, new RegExp(`pack-manifest\\.json: its digest is sha256:[0-9a-f]{64}, not the expected ${expected}`));
    });

    it("exits 2 on bad input: no directory, no manifest, a manifest that is not one, a malformed --digest, two directories", async () => {
        assert.equal((await runCommand(["verify", path.join(dir, "nope")])).code, 2);
        assert.equal((await runCommand(["verify", dir, "--digest", "abc"])).code, 2);
        assert.equal((await runCommand(["verify", dir, dir])).code, 2);
        fs.writeFileSync(path.join(dir, MANIFEST_FILE), JSON.stringify({ name: "immutable-guard", version: "1", algorithm: "md5", files: {} }));
        const wrongShape = await runCommand(["verify", dir]);
        assert.equal(wrongShape.code, 2);
        assert.match(wrongShape.stderr, /is not an immutable-guard pack manifest/);
        fs.writeFileSync(path.join(dir, MANIFEST_FILE), JSON.stringify({ name: "immutable-guard", version: "1", algorithm: "sha256", files: { "../../etc/passwd": "0".repeat(64) } }));
        assert.equal((await runCommand(["verify", dir])).code, 2, "a path outside the pack is refused");
        fs.writeFileSync(path.join(dir, MANIFEST_FILE), "{");
        assert.equal((await runCommand(["verify", dir])).code, 2);
        fs.rmSync(path.join(dir, MANIFEST_FILE));
        const missing = await runCommand(["verify", dir]);
        assert.equal(missing.code, 2);
        assert.match(missing.stderr, /cannot read .*pack-manifest\.json: ENOENT/);
    });
});

describe("the pack digest", () => {
    it("is the same for the same files wherever they are installed, and changes with any byte of the code", () => {
        const a = installedPack();
        const b = installedPack();
        try {
            assert.equal(fs.readFileSync(path.join(a, MANIFEST_FILE), "utf8"), fs.readFileSync(path.join(b, MANIFEST_FILE), "utf8"));
            assert.equal(packDigestOf(a), packDigestOf(b));
            assert.equal(packDigestOf(a), manifestDigest(renderManifest(buildManifest(a))));
            fs.writeFileSync(path.join(b, "bin", "rules", "index.js"), fs.readFileSync(path.join(b, "bin", "rules", "index.js"), "utf8").replace("[]", "[ ]"));
            writeManifest(b);
            assert.notEqual(packDigestOf(a), packDigestOf(b));
        } finally {
            fs.rmSync(a, { recursive: true, force: true });
            fs.rmSync(b, { recursive: true, force: true });
        }
    });

    it("is null for a directory without a manifest", () => {
        assert.equal(packDigestOf(os.tmpdir()), null);
    });
});
