import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/**
 * The directory of the installed immutable-guard package, found from this file whether it runs as
 * TypeScript (`rules/lib`) or compiled (`bin/rules/lib`), in a clone or as a published pack.
 */
export const packRoot: string | undefined = (() => {
    for (let dir = __dirname; ; dir = path.dirname(dir)) {
        const file = path.join(dir, "package.json");
        if (fs.existsSync(file) && (JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string }).name === "immutable-guard") {
            return dir;
        }
        if (path.dirname(dir) === dir) {
            return undefined;
        }
    }
})();

export const packVersion: string = packRoot
    ? (JSON.parse(fs.readFileSync(path.join(packRoot, "package.json"), "utf8")) as { version?: string }).version ?? "0.0.0"
    : "0.0.0";

/** Written by the build beside package.json: the sha256 of every file the pack runs (see cli/pack-manifest.ts). */
export const MANIFEST_FILE = "pack-manifest.json";

/** The pack digest: sha256 of the manifest's bytes, so one value names every file it lists. */
export function manifestDigest(manifest: Buffer | string): string {
    return `sha256:${createHash("sha256").update(manifest).digest("hex")}`;
}

/** The digest of the pack installed at `dir`, or null when it has no manifest (a checkout never built). */
export function packDigestOf(dir: string): string | null {
    try {
        return manifestDigest(fs.readFileSync(path.join(dir, MANIFEST_FILE)));
    } catch {
        return null;
    }
}

let ownDigest: string | null | undefined;

/** The digest of this running pack, read once. */
export function packDigest(): string | null {
    if (ownDigest === undefined) {
        ownDigest = packRoot ? packDigestOf(packRoot) : null;
    }
    return ownDigest;
}
