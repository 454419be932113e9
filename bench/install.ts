import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { diskUsageMiB, installLikeTheCli, packCheckout, scratch, unpack } from "../test/lib/published-pack";
import { median } from "./report";

/**
 * `npm run bench:install`: what installing the published pack costs each member of an organization.
 * Packs the checkout as `pulumi policy publish` does, then installs the tarball into empty folders as
 * the CLI installs a published pack; the first install warms npm's cache, the others are timed warm.
 */

const TARGET_MIB = 140;
const TARGET_SECONDS = 10;
const WARM_ROUNDS = 3;

function main(): void {
    const work = scratch("ig-bench-install-");
    try {
        const packed = packCheckout(work);
        const tarballKiB = fs.statSync(packed.tarball).size / 1024;
        const files = execFileSync("tar", ["tzf", packed.tarball], { encoding: "utf8" }).trim().split("\n").length;
        const rounds = Array.from({ length: WARM_ROUNDS + 1 }, (_, i) => {
            const dir = unpack(packed.tarball, path.join(work, `install-${i}`));
            const install = installLikeTheCli(dir);
            return { ...install, dir };
        });
        const [, ...warm] = rounds;
        const last = warm[warm.length - 1];
        const mib = diskUsageMiB(path.join(last.dir, "node_modules"));
        const lock = JSON.parse(fs.readFileSync(path.join(last.dir, "npm-shrinkwrap.json"), "utf8")) as { packages: Record<string, unknown> };
        const seconds = median(warm.map((r) => r.ms)) / 1000;
        const rows = [
            ["tarball", `${tarballKiB.toFixed(0)} KiB, ${files} files`, ""],
            ["packages installed (shrinkwrap)", `${Object.keys(lock.packages).length - 1}`, ""],
            ["node_modules on disk", `${mib.toFixed(1)} MiB`, `≤ ${TARGET_MIB} MiB ${mib <= TARGET_MIB ? "✔" : "✘"}`],
            [`install, warm cache (median of ${WARM_ROUNDS})`, `${seconds.toFixed(1)} s  (${warm.map((r) => (r.ms / 1000).toFixed(1)).join(", ")})`, `≤ ${TARGET_SECONDS} s ${seconds <= TARGET_SECONDS ? "✔" : "✘"}`],
            ["first install (cache as found)", `${(rounds[0].ms / 1000).toFixed(1)} s`, ""],
        ];
        const width = Math.max(...rows.map((r) => r[0].length));
        process.stdout.write(`Published pack, installed with \`${last.command}\` as the Pulumi CLI installs it:\n`);
        for (const [what, value, target] of rows) {
            process.stdout.write(`  ${what.padEnd(width)}  ${value.padEnd(34)}${target}\n`);
        }
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}

main();
