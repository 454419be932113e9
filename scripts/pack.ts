/**
 * Build steps run by npm scripts, never shipped:
 *   manifest   after `tsc` (npm run build, prepare): write pack-manifest.json for the checkout
 *   prepack    before `npm pack` / `pulumi policy publish`: a clean build without source maps, the
 *              npm-shrinkwrap.json of the production tree, the package.json a published pack
 *              installs with, and the manifest of exactly what is packed
 *   postpack   after it: the checkout's package.json back, the shrinkwrap removed, its manifest again
 *
 * The published package.json has no scripts (an install runs none of its own: nothing to compile)
 * and no devDependencies, and its shrinkwrap holds only what the pack needs at run time, each with
 * npm's integrity hash, so every machine installs the same tree without resolving a range.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { writeManifest } from "../cli/pack-manifest";
import { manifestDigest } from "../rules/lib/pack-package";

const ROOT = path.resolve(__dirname, "..");
const PACKAGE = path.join(ROOT, "package.json");
/** The checkout's package.json while the published one stands in its place. */
const PACKAGE_SAVED = path.join(ROOT, "package.json.checkout");
const LOCK = path.join(ROOT, "package-lock.json");
const SHRINKWRAP = path.join(ROOT, "npm-shrinkwrap.json");

type Deps = Record<string, string>;

interface PackageJson {
    name: string;
    version: string;
    license?: string;
    engines?: Record<string, string>;
    bin?: Record<string, string>;
    dependencies?: Deps;
    devDependencies?: Deps;
    scripts?: Record<string, string>;
    [key: string]: unknown;
}

interface LockEntry {
    name?: string;
    version?: string;
    resolved?: string;
    integrity?: string;
    link?: boolean;
    dependencies?: Deps;
    optionalDependencies?: Deps;
    peerDependencies?: Deps;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    dev?: boolean;
    optional?: boolean;
    devOptional?: boolean;
    peer?: boolean;
    [key: string]: unknown;
}

interface Lock {
    name: string;
    version: string;
    lockfileVersion: number;
    requires?: boolean;
    packages: Record<string, LockEntry>;
}

function readJson<T>(file: string): T {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}

function writeJson(file: string, value: unknown): void {
    fs.writeFileSync(file, JSON.stringify(value, null, 2) + "\n");
}

/** Where Node finds `name` when `from` (a lock location such as `node_modules/a`) requires it. */
function installedAt(packages: Lock["packages"], from: string, name: string): string | undefined {
    for (let base = from; ; ) {
        const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
        if (packages[candidate]) {
            return candidate;
        }
        if (!base) {
            return undefined;
        }
        const parent = base.lastIndexOf("/node_modules/");
        base = parent < 0 ? "" : base.slice(0, parent);
    }
}

type Edge = { name: string; optional: boolean; peer: boolean };

function edgesOf(entry: LockEntry): Edge[] {
    const optionalPeer = (name: string) => entry.peerDependenciesMeta?.[name]?.optional === true;
    return [
        ...Object.keys(entry.dependencies ?? {}).map((name) => ({ name, optional: false, peer: false })),
        ...Object.keys(entry.optionalDependencies ?? {}).map((name) => ({ name, optional: true, peer: false })),
        // npm installs a required peer, never an optional one (typescript for @pulumi/pulumi, say).
        ...Object.keys(entry.peerDependencies ?? {}).filter((name) => !optionalPeer(name)).map((name) => ({ name, optional: false, peer: true })),
    ];
}

/** Locations reachable from the root's production dependencies through the edges `follow` accepts. */
function reachable(lock: Lock, rootDeps: Deps, follow: (edge: Edge) => boolean): Set<string> {
    const seen = new Set<string>();
    const queue: Array<{ from: string; edge: Edge }> = Object.keys(rootDeps).map((name) => ({ from: "", edge: { name, optional: false, peer: false } }));
    while (queue.length > 0) {
        const { from, edge } = queue.shift()!;
        if (!follow(edge)) {
            continue;
        }
        const at = installedAt(lock.packages, from, edge.name);
        if (!at) {
            if (!edge.optional) {
                throw new Error(`package-lock.json has no ${edge.name} for ${from || "the root"}; run npm install`);
            }
            continue;
        }
        if (!seen.has(at)) {
            seen.add(at);
            queue.push(...edgesOf(lock.packages[at]).map((e) => ({ from: at, edge: e })));
        }
    }
    return seen;
}

function sameDeps(a: Deps | undefined, b: Deps | undefined): boolean {
    const left = Object.entries(a ?? {}).sort();
    const right = Object.entries(b ?? {}).sort();
    return JSON.stringify(left) === JSON.stringify(right);
}

// npm's own registry: npm rewrites it to the registry a user configures (replace-registry-host).
const REGISTRY = "https://registry.npmjs.org";

/**
 * Where a registry package's tarball is. A lock without it (npm's omit-lockfile-registry-resolved)
 * makes every install fetch each package's metadata first to find it; with it, npm's cache answers.
 */
function tarballOf(location: string, entry: LockEntry): { resolved?: string } {
    if (entry.resolved !== undefined || entry.link || typeof entry.integrity !== "string" || typeof entry.version !== "string") {
        return {};
    }
    const name = entry.name ?? location.slice(location.lastIndexOf("node_modules/") + "node_modules/".length);
    return { resolved: `${REGISTRY}/${name}/-/${name.split("/").pop()}-${entry.version}.tgz` };
}

/** The lock of the production tree only: package-lock.json's entries the pack needs, flags recomputed. */
export function productionShrinkwrap(lock: Lock, pkg: PackageJson): Lock {
    const lockRoot: { dependencies?: Deps; devDependencies?: Deps } = lock.packages[""] ?? {};
    for (const field of ["dependencies", "devDependencies"] as const) {
        if (!sameDeps(lockRoot[field], pkg[field])) {
            throw new Error(`package-lock.json's ${field} differ from package.json's; run npm install`);
        }
    }
    const deps = pkg.dependencies ?? {};
    const all = reachable(lock, deps, () => true);
    const required = reachable(lock, deps, (e) => !e.optional);
    const notOnlyPeer = reachable(lock, deps, (e) => !e.peer);
    const packages: Lock["packages"] = {
        "": {
            name: pkg.name,
            version: pkg.version,
            ...(pkg.license ? { license: pkg.license } : {}),
            dependencies: deps,
            ...(pkg.bin ? { bin: pkg.bin } : {}),
            ...(pkg.engines ? { engines: pkg.engines } : {}),
        },
    };
    for (const location of Object.keys(lock.packages).filter((l) => all.has(l)).sort()) {
        const { dev: _dev, optional: _optional, devOptional: _devOptional, peer: _peer, ...entry } = lock.packages[location];
        packages[location] = {
            ...entry,
            ...tarballOf(location, entry),
            ...(required.has(location) ? {} : { optional: true }),
            ...(notOnlyPeer.has(location) ? {} : { peer: true }),
        };
    }
    return { name: pkg.name, version: pkg.version, lockfileVersion: 3, requires: true, packages };
}

/** What a published pack's package.json keeps: what it runs and installs with, no build or test scripts. */
export function publishedPackageJson(pkg: PackageJson): PackageJson {
    const { scripts: _scripts, devDependencies: _devDependencies, ...published } = pkg;
    return published;
}

/** A pack interrupted between prepack and postpack left the published package.json in place. */
function restoreCheckoutPackageJson(): void {
    if (fs.existsSync(PACKAGE_SAVED)) {
        fs.renameSync(PACKAGE_SAVED, PACKAGE);
    }
}

function compile(options: string[] = []): void {
    execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(ROOT, "tsconfig.json"), ...options], { stdio: "inherit" });
}

function report(manifest: string): void {
    process.stderr.write(`immutable-guard: pack-manifest.json written; pack digest ${manifestDigest(manifest)}\n`);
}

function prepack(): void {
    restoreCheckoutPackageJson();
    const pkg = readJson<PackageJson>(PACKAGE);
    const shrinkwrap = productionShrinkwrap(readJson<Lock>(LOCK), pkg);
    // A clean bin/: no file of a deleted source, and no source maps pointing at sources not shipped.
    fs.rmSync(path.join(ROOT, "bin"), { recursive: true, force: true });
    compile(["--sourceMap", "false"]);
    writeJson(SHRINKWRAP, shrinkwrap);
    fs.copyFileSync(PACKAGE, PACKAGE_SAVED);
    writeJson(PACKAGE, publishedPackageJson(pkg));
    report(writeManifest(ROOT));
}

function postpack(): void {
    restoreCheckoutPackageJson();
    fs.rmSync(SHRINKWRAP, { force: true });
    writeManifest(ROOT);
}

if (require.main === module) {
    const step = process.argv[2];
    try {
        if (step === "manifest") {
            restoreCheckoutPackageJson();
            writeManifest(ROOT);
        } else if (step === "prepack") {
            prepack();
        } else if (step === "postpack") {
            postpack();
        } else {
            throw new Error(`unknown step "${step}" (manifest, prepack, postpack)`);
        }
    } catch (e) {
        process.stderr.write(`scripts/pack.ts ${step}: ${(e as Error).message}\n`);
        process.exitCode = 1;
    }
}
