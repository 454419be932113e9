import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PolicyPackProcess } from "../../cli/analyzer-client";
import { policies } from "../../rules";

const ROOT = path.resolve(__dirname, "..", "..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

/**
 * What a user gets from `git clone` + `npm ci`, and what `pulumi policy publish` packs: the pack
 * must run from the `bin/` that `prepare` builds, with nothing left over from this working tree.
 * It clones the committed HEAD and installs from scratch, so it runs only when asked
 * (IMMUTABLE_GUARD_FRESH_CLONE=1, as CI does).
 */
(process.env.IMMUTABLE_GUARD_FRESH_CLONE === "1" ? describe : describe.skip)("the pack from a fresh clone after npm ci", function () {
    this.timeout(600000);
    let dir: string;
    let pack: PolicyPackProcess | undefined;

    before(() => {
        dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ig-fresh-clone-")), "immutable-guard");
        const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
        execFileSync("git", ["clone", "--quiet", "--no-checkout", ROOT, dir]);
        execFileSync("git", ["checkout", "--quiet", head], { cwd: dir });
        execFileSync(NPM, ["ci", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    });

    after(async () => {
        await pack?.stop();
        fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    });

    it("has the compiled pack that package.json main names, built by prepare, and its manifest", () => {
        const main = (JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { main: string }).main;
        assert.equal(main, "bin/index.js");
        assert.ok(fs.existsSync(path.join(dir, main)));
        const verify = spawnSync(process.execPath, [path.join(dir, "bin", "cli", "main.js"), "verify", dir], { encoding: "utf8" });
        assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    });

    it("starts as the Pulumi CLI starts it and serves every policy", async () => {
        pack = await PolicyPackProcess.start(dir);
        const info = await pack.getAnalyzerInfo();
        assert.equal(info.name, "immutable-guard");
        assert.deepEqual(info.policies.map((p) => p.name), policies.map((p) => p.name));
        const diagnostics = await pack.analyze({
            type: "kubernetes:core/v1:Pod",
            name: "web",
            urn: "urn:pulumi:dev::shop::kubernetes:core/v1:Pod::web",
            properties: { spec: { containers: [{ name: "web", image: "nginx:1.27" }] } },
        });
        assert.deepEqual(diagnostics.map((d) => d.policyName), ["container-image-digest-required"]);
    });

    it("packs the compiled pack with its shrinkwrap and manifest, and no source, as `pulumi policy publish` does with npm pack", () => {
        const [packed] = JSON.parse(execFileSync(NPM, ["pack", "--dry-run", "--json"], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })) as Array<{ files: Array<{ path: string }> }>;
        const files = packed.files.map((f) => f.path);
        for (const file of ["bin/index.js", "bin/cli/main.js", "PulumiPolicy.yaml", "package.json", "npm-shrinkwrap.json", "pack-manifest.json"]) {
            assert.ok(files.includes(file), `${file} is packed`);
        }
        assert.deepEqual(files.filter((f) => f.endsWith(".ts") || f.endsWith(".map") || /^(test|bench|examples|rules|cli)\//.test(f)), [], "only compiled code");
        assert.ok(!fs.existsSync(path.join(dir, "npm-shrinkwrap.json")), "the clone is left as it was");
    });
});
