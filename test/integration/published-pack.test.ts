import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { Report } from "../../cli/output/report";
import { packDigestOf } from "../../rules/lib/pack-package";
import { PACK_DIR } from "../lib/pack";
import { diskUsageMiB, installLikeTheCli, packCheckout, scratch, unpack } from "../lib/published-pack";

/** What the issue measured: the production tree needs about 130 MiB; dev dependencies brought it to 253. */
const MAX_NODE_MODULES_MIB = 140;
const NOT_SHIPPED = ["typescript", "ts-node", "mocha", "fast-check", "@pulumi/aws", "@pulumi/kubernetes", "@types/mocha", "ajv-formats"];

interface Shrinkwrap {
    packages: Record<string, { version?: string; integrity?: string; resolved?: string; hasInstallScript?: boolean; dev?: boolean; devOptional?: boolean }>;
}

interface PublishedPackageJson {
    scripts?: Record<string, string>;
    devDependencies?: Record<string, string>;
    allowScripts?: Record<string, boolean>;
}

function readJson<T>(file: string): T {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}

/** Every installed package's location (as lock files name them) and version. */
function installedPackages(packDir: string): Map<string, string> {
    const found = new Map<string, string>();
    const walk = (modules: string): void => {
        if (!fs.existsSync(modules)) {
            return;
        }
        for (const name of fs.readdirSync(modules)) {
            if (name.startsWith(".")) {
                continue;
            }
            const dirs = name.startsWith("@") ? fs.readdirSync(path.join(modules, name)).map((n) => path.join(modules, name, n)) : [path.join(modules, name)];
            for (const dir of dirs) {
                const manifest = path.join(dir, "package.json");
                if (fs.existsSync(manifest)) {
                    // Some packages write their own version with a "v" (@pulumi/policy); the lock has the registry's.
                    found.set(path.relative(packDir, dir).split(path.sep).join("/"), readJson<{ version: string }>(manifest).version.replace(/^v/, ""));
                }
                walk(path.join(dir, "node_modules"));
            }
        }
    };
    walk(path.join(packDir, "node_modules"));
    return found;
}

function dryRun(args: string[]): Report {
    const result = spawnSync(process.execPath, [path.join(PACK_DIR, "bin", "cli", "main.js"), "dry-run", "examples", "--soft-fail", "--transpile-only", "--format", "json", ...args], { cwd: PACK_DIR, encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout) as Report;
}

function verdicts(report: Report): string[] {
    return report.stacks.flatMap((s) => s.violations.map((v) => `${s.program} ${v.level} ${v.policy} ${v.urn} ${v.message}`)).sort();
}

/**
 * What every member of an organization gets from `pulumi policy publish`: the checkout packed with
 * `npm pack`, unpacked into an empty folder and installed as the CLI installs a published pack, then
 * started as the CLI starts it. Packing builds the pack and installing downloads from npm's cache, so it
 * runs only when asked (IMMUTABLE_GUARD_FRESH_CLONE=1, as CI does); `npm run bench:install` times it.
 */
(process.env.IMMUTABLE_GUARD_FRESH_CLONE === "1" ? describe : describe.skip)("the published pack, installed as the Pulumi CLI installs it", function () {
    this.timeout(600000);
    let work: string;
    let packed: ReturnType<typeof packCheckout>;
    let tarballFiles: string[];
    let installed: string;

    before(() => {
        work = scratch("ig-published-");
        packed = packCheckout(work);
        tarballFiles = execFileSync("tar", ["tzf", packed.tarball], { encoding: "utf8" }).trim().split("\n").map((f) => f.replace(/^package\//, ""));
        installed = unpack(packed.tarball, path.join(work, "installed"));
        installLikeTheCli(installed);
    });

    after(() => {
        fs.rmSync(work, { recursive: true, force: true });
    });

    it("prints only the tarball's name on stdout when packed, which `pulumi policy publish` reads", () => {
        assert.match(packed.stdout, /^immutable-guard-\d+\.\d+\.\d+\.tgz\n$/);
    });

    it("ships the compiled pack, its shrinkwrap and manifest, and nothing to build, test or run examples with", () => {
        for (const file of ["bin/index.js", "bin/cli/main.js", "package.json", "PulumiPolicy.yaml", "npm-shrinkwrap.json", "pack-manifest.json"]) {
            assert.ok(tarballFiles.includes(file), `${file} is shipped`);
        }
        const other = tarballFiles.filter((f) => !f.startsWith("bin/") && !["package.json", "PulumiPolicy.yaml", "npm-shrinkwrap.json", "pack-manifest.json", "README.md"].includes(f));
        assert.deepEqual(other, []);
        assert.deepEqual(tarballFiles.filter((f) => f.startsWith("bin/") && !f.endsWith(".js")), [], "no sources, no source maps");
    });

    it("pins every package of the shipped shrinkwrap by version, integrity hash and tarball", () => {
        // As shipped: npm rewrites the installed copy as the user's config says (without `resolved`, say).
        const shipped = JSON.parse(execFileSync("tar", ["xzf", packed.tarball, "-O", "package/npm-shrinkwrap.json"], { encoding: "utf8" })) as Shrinkwrap;
        const entries = Object.entries(shipped.packages).filter(([location]) => location !== "");
        assert.ok(entries.length > 100);
        const unpinned = entries.filter(([, e]) => !e.version || !/^sha512-/.test(e.integrity ?? "") || !/^https:\/\/registry\.npmjs\.org\/.+\.tgz$/.test(e.resolved ?? ""));
        assert.deepEqual(unpinned.map(([location]) => location), []);
    });

    it("has a package.json without scripts or devDependencies that denies its dependencies' install scripts", () => {
        const pkg = readJson<PublishedPackageJson>(path.join(installed, "package.json"));
        assert.equal(pkg.scripts, undefined, "installing runs none of the pack's own scripts: nothing to compile");
        assert.equal(pkg.devDependencies, undefined);
        const withScripts = Object.entries(readJson<Shrinkwrap>(path.join(installed, "npm-shrinkwrap.json")).packages)
            .filter(([, entry]) => entry.hasInstallScript)
            .map(([location]) => location.slice(location.lastIndexOf("node_modules/") + "node_modules/".length));
        assert.ok(withScripts.length > 0, "the tree has a package with an install script to deny (protobufjs)");
        for (const name of withScripts) {
            assert.equal(pkg.allowScripts?.[name], false, `${name}'s install script is denied`);
        }
    });

    it("tells the CLI to install production dependencies only, with npm, which honours the shrinkwrap", () => {
        const policy = fs.readFileSync(path.join(installed, "PulumiPolicy.yaml"), "utf8");
        assert.match(policy, /^ {4}production: true$/m);
        assert.match(policy, /^ {4}packagemanager: npm$/m);
    });

    it("installs exactly the shrinkwrap's production tree: every package pinned, no dev dependency, no provider SDK", () => {
        const shrinkwrap = readJson<Shrinkwrap>(path.join(installed, "npm-shrinkwrap.json"));
        const pinned = new Map(Object.entries(shrinkwrap.packages).filter(([location]) => location !== "").map(([location, entry]) => [location, entry.version]));
        assert.ok(Object.values(shrinkwrap.packages).every((e) => !e.dev && !e.devOptional), "the shrinkwrap holds no development package");
        const installedTree = installedPackages(installed);
        const differences = [
            ...[...pinned].filter(([location]) => !installedTree.has(location)).map(([location]) => `not installed: ${location}`),
            ...[...installedTree].filter(([location]) => !pinned.has(location)).map(([location]) => `not pinned: ${location}`),
            ...[...installedTree].filter(([location, version]) => pinned.has(location) && pinned.get(location) !== version)
                .map(([location, version]) => `${location}: ${version}, pinned ${pinned.get(location)}`),
        ];
        assert.deepEqual(differences, []);
        assert.ok(installedTree.size > 100);
        for (const name of NOT_SHIPPED) {
            assert.ok(!fs.existsSync(path.join(installed, "node_modules", name)), `${name} is not installed`);
        }
    });

    it(`keeps node_modules within ${MAX_NODE_MODULES_MIB} MiB`, () => {
        const used = diskUsageMiB(path.join(installed, "node_modules"));
        assert.ok(used <= MAX_NODE_MODULES_MIB, `node_modules uses ${used.toFixed(1)} MiB`);
    });

    it("verifies clean after the install, with the digest report lines carry", () => {
        const verify = spawnSync(process.execPath, [path.join(installed, "bin", "cli", "main.js"), "verify", installed], { encoding: "utf8" });
        assert.equal(verify.status, 0, verify.stdout + verify.stderr);
        assert.ok(verify.stdout.includes(`pack digest ${packDigestOf(installed)}`));
    });

    it("starts as the CLI starts it and judges every example exactly as the checkout does", () => {
        const fromCheckout = dryRun([]);
        const fromInstalled = dryRun(["--policy-pack", installed]);
        assert.equal(fromInstalled.policyPack.packDigest, packDigestOf(installed));
        assert.equal(fromInstalled.summary.errors, 0);
        assert.ok(fromInstalled.summary.mandatory > 0, "the violating examples are caught");
        assert.deepEqual(verdicts(fromInstalled), verdicts(fromCheckout));
    });

    it("names a file changed after the install", () => {
        const rule = path.join(installed, "bin", "rules", "container-image-digest-required.js");
        fs.appendFileSync(rule, "\n// patched\n");
        const verify = spawnSync(process.execPath, [path.join(PACK_DIR, "bin", "cli", "main.js"), "verify", installed], { encoding: "utf8" });
        assert.equal(verify.status, 1);
        assert.match(verify.stdout, /^changed: bin\/rules\/container-image-digest-required\.js$/m);
    });
});
