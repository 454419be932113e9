/**
 * `npm run e2e`: the end-to-end suite against a real Pulumi CLI, obtained by
 * e2e/pulumi-cli/ensure-pulumi.sh (an installed one, else built with Go into a cache).
 * `npm test` calls this with --if-installed: it uses an installed or already built CLI and builds
 * none; without one it says plainly that the suite was skipped and how to run it, unless
 * IMMUTABLE_GUARD_E2E=required (CI), where a missing CLI is built, and a failed build fails.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { obtainPulumi } from "./lib/pulumi-cli";

const repo = path.resolve(__dirname, "..");

function main(): number {
    const ifInstalled = process.argv.includes("--if-installed");
    const required = process.env.IMMUTABLE_GUARD_E2E === "required";
    const binDir = obtainPulumi(!ifInstalled || required);
    if (!binDir) {
        process.stdout.write(
            "\nEnd-to-end suite SKIPPED: no Pulumi CLI on PATH and none built into the cache.\n" +
                "  Run it with `npm run e2e` (uses an installed `pulumi`, else builds one with Go 1.26),\n" +
                "  or point IMMUTABLE_GUARD_PULUMI_BIN at a directory holding `pulumi`.\n",
        );
        return 0;
    }
    const result = spawnSync(process.execPath, [require.resolve("mocha/bin/mocha.js"), "--config", path.join(repo, "e2e", ".mocharc.json"), ...process.argv.slice(2).filter((a) => a !== "--if-installed")], {
        cwd: repo,
        stdio: "inherit",
        env: { ...process.env, IMMUTABLE_GUARD_PULUMI_BIN: binDir },
    });
    return result.status ?? 1;
}

process.exitCode = main();
