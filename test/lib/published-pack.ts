import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PACK_DIR } from "./pack";

const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

export interface PackedCheckout {
    tarball: string;
    /** What `npm pack` printed on stdout: `pulumi policy publish` reads the tarball's name from it. */
    stdout: string;
}

/**
 * `npm pack` of the working tree as it is (committed or not), as `pulumi policy publish` runs it, in
 * a copy, so that the checkout's own package.json and bin/ are never touched while it runs.
 */
export function packCheckout(into: string): PackedCheckout {
    const copy = path.join(into, "checkout");
    const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: PACK_DIR, encoding: "utf8" })
        .split("\0")
        .filter((f) => f && fs.existsSync(path.join(PACK_DIR, f)));
    for (const file of files) {
        fs.mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
        fs.copyFileSync(path.join(PACK_DIR, file), path.join(copy, file));
    }
    // The build tools (tsc, ts-node) the prepack step runs, as `npm ci` installed them.
    fs.symlinkSync(path.join(PACK_DIR, "node_modules"), path.join(copy, "node_modules"), "dir");
    const stdout = execFileSync(NPM, ["pack", "--loglevel=error", "--pack-destination", into], { cwd: copy, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { tarball: path.join(into, stdout.trim().split("\n").pop()!), stdout };
}

/** Unpacks a tarball as the CLI does a published pack: its `package/` directory becomes the pack. */
export function unpack(tarball: string, into: string): string {
    fs.mkdirSync(into, { recursive: true });
    execFileSync("tar", ["xzf", tarball, "-C", into]);
    return path.join(into, "package");
}

function onPath(command: string): string | undefined {
    return (process.env.PATH ?? "").split(path.delimiter).map((dir) => path.join(dir, command)).find((file) => fs.existsSync(file));
}

export interface Install {
    /** The command run, for the record. */
    command: string;
    ms: number;
}

/**
 * Installs an unpacked pack as the CLI installs a published one: `pulumi install` when a Pulumi CLI is
 * on PATH, else the command its Node.js language host runs for `production: true`
 * (sdk/nodejs/npm/npm.go: `npm install --loglevel=error --production`).
 */
export function installLikeTheCli(packDir: string): Install {
    const pulumi = onPath(process.platform === "win32" ? "pulumi.exe" : "pulumi");
    const [file, args] = pulumi
        ? [pulumi, ["install"]]
        : [NPM, ["install", "--loglevel=error", "--production"]];
    const began = process.hrtime.bigint();
    execFileSync(file, args, { cwd: packDir, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
    return { command: `${path.basename(file)} ${args.join(" ")}`, ms: Number(process.hrtime.bigint() - began) / 1e6 };
}

/** Disk used by a directory tree, in MiB, as `du` counts it (blocks, each hard link once). */
export function diskUsageMiB(dir: string): number {
    let bytes = 0;
    const seen = new Set<string>();
    const walk = (d: string): void => {
        for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
            const full = path.join(d, entry.name);
            const stat = fs.lstatSync(full);
            const id = `${stat.dev}:${stat.ino}`;
            if (seen.has(id)) {
                continue;
            }
            seen.add(id);
            bytes += stat.blocks !== undefined ? stat.blocks * 512 : stat.size;
            if (entry.isDirectory()) {
                walk(full);
            }
        }
    };
    walk(dir);
    return bytes / (1024 * 1024);
}

/** A scratch directory for one pack-and-install. */
export function scratch(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
