import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { canonical } from "../rules/lib/config-digest";
import { MANIFEST_FILE } from "../rules/lib/pack-package";

/**
 * The manifest of a pack: the sha256 of every file that decides what it runs. That is the compiled
 * code (every file under `bin/`, so a file dropped in there is noticed), `package.json` (which
 * names the entry point and the dependencies), `PulumiPolicy.yaml` (which tells the CLI how to
 * install and run it) and `npm-shrinkwrap.json` (the exact dependency tree, with npm's integrity
 * hashes). Paths are relative, with `/`, in code-unit order, so the same pack gives the same bytes
 * on every machine.
 *
 * npm rewrites npm-shrinkwrap.json after every install, in its own key order and with or without
 * `resolved` URLs as the user's npm config says, so the shrinkwrap is hashed by the tree it pins:
 * each location's version and integrity hash. Any other `.json` file is hashed as canonical JSON
 * (keys sorted, no whitespace); every other file by its bytes.
 */

export const CODE_DIR = "bin";
export const ROOT_FILES = ["package.json", "PulumiPolicy.yaml", "npm-shrinkwrap.json"] as const;

export interface PackManifest {
    name: string;
    version: string;
    algorithm: "sha256";
    /** Relative path → lowercase hex sha256 of the file (its bytes, canonical JSON, or the tree a shrinkwrap pins). */
    files: Record<string, string>;
}

/** A manifest that is missing or unreadable: bad input, not a mismatch. */
export class ManifestError extends Error {}

/** The tree a lock pins, without what npm writes differently from machine to machine. */
function pinnedTree(lock: unknown): Record<string, { version?: unknown; integrity?: unknown }> {
    const packages = (lock as { packages?: Record<string, { version?: unknown; integrity?: unknown }> }).packages;
    if (packages === null || typeof packages !== "object") {
        throw new Error("not a lock file");
    }
    const tree: Record<string, { version?: unknown; integrity?: unknown }> = {};
    for (const [location, entry] of Object.entries(packages)) {
        if (location !== "") {
            tree[location] = { version: entry?.version, integrity: entry?.integrity };
        }
    }
    return tree;
}

function hashedContent(file: string, bytes: Buffer): Buffer | string {
    if (!file.endsWith(".json")) {
        return bytes;
    }
    try {
        const value: unknown = JSON.parse(bytes.toString("utf8"));
        return canonical(path.basename(file) === "npm-shrinkwrap.json" ? pinnedTree(value) : value);
    } catch {
        // Not JSON, or not a lock (any more): its bytes, which cannot match what was recorded.
        return bytes;
    }
}

function sha256(file: string): string {
    return createHash("sha256").update(hashedContent(file, fs.readFileSync(file))).digest("hex");
}

function byCodeUnits(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

function filesUnder(packDir: string, relative: string): string[] {
    const dir = path.join(packDir, relative);
    if (!fs.existsSync(dir)) {
        return [];
    }
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const child = `${relative}/${entry.name}`;
        return entry.isDirectory() ? filesUnder(packDir, child) : [child];
    });
}

/** The files of the pack at `packDir` that a manifest covers, as they are on disk now. */
export function coveredFiles(packDir: string): string[] {
    const roots = ROOT_FILES.filter((f) => fs.existsSync(path.join(packDir, f)));
    return [...roots, ...filesUnder(packDir, CODE_DIR)].sort(byCodeUnits);
}

export function buildManifest(packDir: string): PackManifest {
    const pkg = JSON.parse(fs.readFileSync(path.join(packDir, "package.json"), "utf8")) as { name: string; version: string };
    const files: Record<string, string> = {};
    for (const file of coveredFiles(packDir)) {
        files[file] = sha256(path.join(packDir, file));
    }
    return { name: pkg.name, version: pkg.version, algorithm: "sha256", files };
}

export function renderManifest(manifest: PackManifest): string {
    return JSON.stringify(manifest, null, 2) + "\n";
}

/** Writes the manifest of the pack as it is now and returns its text. */
export function writeManifest(packDir: string): string {
    const text = renderManifest(buildManifest(packDir));
    fs.writeFileSync(path.join(packDir, MANIFEST_FILE), text);
    return text;
}

function isManifest(value: unknown): value is PackManifest {
    const m = value as Partial<PackManifest> | null;
    return typeof m === "object" && m !== null && typeof m.name === "string" && typeof m.version === "string" &&
        m.algorithm === "sha256" && typeof m.files === "object" && m.files !== null && !Array.isArray(m.files) &&
        Object.entries(m.files).every(([file, hash]) => typeof hash === "string" && /^[0-9a-f]{64}$/.test(hash) &&
            !path.isAbsolute(file) && !file.split("/").includes(".."));
}

/** Reads the manifest of the pack at `packDir`, with its bytes (which the pack digest is computed from). */
export function readManifest(packDir: string): { manifest: PackManifest; bytes: Buffer } {
    const file = path.join(packDir, MANIFEST_FILE);
    let bytes: Buffer;
    try {
        bytes = fs.readFileSync(file);
    } catch (e) {
        throw new ManifestError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(bytes.toString("utf8"));
    } catch {
        throw new ManifestError(`${file} is not JSON`);
    }
    if (!isManifest(parsed)) {
        throw new ManifestError(`${file} is not an immutable-guard pack manifest (name, version, algorithm "sha256" and files of relative paths to sha256 hex)`);
    }
    return { manifest: parsed, bytes };
}

export interface ManifestCheck {
    changed: string[];
    missing: string[];
    added: string[];
}

/** Compares the pack on disk with its manifest: files whose bytes differ, files gone, and covered files it does not list. */
export function checkManifest(packDir: string, manifest: PackManifest): ManifestCheck {
    const check: ManifestCheck = { changed: [], missing: [], added: [] };
    for (const [file, hash] of Object.entries(manifest.files).sort(([a], [b]) => byCodeUnits(a, b))) {
        const full = path.join(packDir, file);
        if (!fs.existsSync(full) || !fs.statSync(full).isFile()) {
            check.missing.push(file);
        } else if (sha256(full) !== hash) {
            check.changed.push(file);
        }
    }
    check.added = coveredFiles(packDir).filter((file) => !Object.prototype.hasOwnProperty.call(manifest.files, file));
    return check;
}
