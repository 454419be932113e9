import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PolicyPackProcess } from "../../cli/analyzer-client";
import type { Report } from "../../cli/output/report";
import { packDigestOf } from "../../rules/lib/pack-package";
import { runInstalled } from "../lib/cli";
import { analyzedFixture, PACK_DIR } from "../lib/pack";

/** As a team commits it: a level, settings and an exemption; then the same file with one policy made advisory. */
const CONFIG = {
    "container-image-digest-required": {
        enforcementLevel: "mandatory",
        allowedRegistries: ["123456789012.dkr.ecr.eu-west-1.amazonaws.com"],
        exemptions: [{ urn: "urn:pulumi:dev::shop::*::vendor-agent", reason: "vendor ships tags only; OPS-412", expires: "2099-12-31" }],
    },
    "iam-no-wildcard-grants": "advisory",
};
const WEAKENED = { ...CONFIG, "container-image-digest-required": { ...CONFIG["container-image-digest-required"], enforcementLevel: "advisory" } };

/** The entries Configure carries for a config file (a bare level is `{ enforcementLevel }`). */
function configureEntries(config: Record<string, unknown>): Record<string, Record<string, unknown>> {
    return Object.fromEntries(Object.entries(config).map(([name, value]) => [name, typeof value === "string" ? { enforcementLevel: value } : value as Record<string, unknown>]));
}

function printed(output: string, what: "pack" | "config"): string {
    const match = new RegExp(`^${what} digest (sha256:[0-9a-f]{64})`, "m").exec(output);
    assert.ok(match, `verify printed a ${what} digest:\n${output}`);
    return match[1];
}

interface ReportLine {
    policyName: string;
    packDigest: string | null;
    configDigest: string | null;
}

describe("every decision traceable to the exact pack and config", function () {
    this.timeout(180000);
    let dir: string;
    let reportFile: string;
    const configFiles: Record<"strict" | "weakened", string> = { strict: "", weakened: "" };
    /** The report lines each of the three runs wrote. */
    const runs: ReportLine[][] = [];

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "ig-trace-"));
        reportFile = path.join(dir, "policy.jsonl");
        configFiles.strict = path.join(dir, "strict.json");
        configFiles.weakened = path.join(dir, "weakened.json");
        fs.writeFileSync(configFiles.strict, JSON.stringify(CONFIG, null, 2));
        fs.writeFileSync(configFiles.weakened, JSON.stringify(WEAKENED, null, 2));
        const tagged = analyzedFixture("container-image-digest-required", "deployment-init-container-tag");
        // Two runs with the strict config (as a preview and, later, another machine's preview), one weakened.
        for (const config of [CONFIG, CONFIG, WEAKENED]) {
            const pack = await PolicyPackProcess.start(PACK_DIR, { env: { IMMUTABLE_GUARD_REPORT: reportFile } });
            try {
                await pack.configureStack({ stack: "dev", project: "shop", dryRun: true });
                await pack.configure(configureEntries(config));
                await pack.analyze(tagged);
            } finally {
                await pack.stop();
            }
            const written = fs.readFileSync(reportFile, "utf8").trim().split("\n").map((l) => JSON.parse(l) as ReportLine);
            runs.push(written.slice(runs.flat().length));
        }
    });

    after(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("writes the digest of the installed pack's manifest on every report line, the one verify prints", () => {
        const verify = runInstalled(["verify", PACK_DIR]);
        assert.equal(verify.status, 0, verify.stdout + verify.stderr);
        const digest = printed(verify.stdout, "pack");
        assert.equal(digest, packDigestOf(PACK_DIR));
        assert.ok(runs.every((lines) => lines.length > 0));
        assert.ok(runs.flat().every((l) => l.packDigest === digest));
    });

    it("writes the digest of the config in force, the same run to run, the one verify --config prints for the file", () => {
        const strict = printed(runInstalled(["verify", PACK_DIR, "--config", configFiles.strict]).stdout, "config");
        const weakened = printed(runInstalled(["verify", PACK_DIR, "--config", configFiles.weakened]).stdout, "config");
        assert.notEqual(strict, weakened);
        assert.deepEqual(runs.map((lines) => [...new Set(lines.map((l) => l.configDigest))]), [[strict], [strict], [weakened]]);
    });

    it("carries both digests into report's JSON and SARIF", () => {
        const json = JSON.parse(runInstalled(["report", reportFile, "--format", "json"]).stdout) as Report;
        const [first, , weakened] = runs.map((lines) => lines[0]);
        assert.equal(json.policyPack.packDigest, first.packDigest);
        assert.equal(json.stacks[0].configDigest, `${first.configDigest}, ${weakened.configDigest}`);
        const sarif = JSON.parse(runInstalled(["report", reportFile, "--format", "sarif"]).stdout) as { runs: { tool: { driver: { version: string; properties: Record<string, string> } } }[] };
        assert.equal(sarif.runs[0].tool.driver.properties.packDigest, first.packDigest);
        assert.equal(sarif.runs[0].tool.driver.properties.configDigest, json.stacks[0].configDigest);
    });

    it("heads the dry run with the pack digest and gives each program the config digest the pack reports", () => {
        const example = path.join(PACK_DIR, "examples", "flagged-lock");
        const result = runInstalled(["dry-run", example, "--format", "json", "--transpile-only"]);
        const json = JSON.parse(result.stdout) as Report;
        assert.equal(json.policyPack.packDigest, packDigestOf(PACK_DIR));
        const expected = printed(runInstalled(["verify", PACK_DIR, "--config", path.join(example, "policy-config.json")]).stdout, "config");
        assert.equal(json.stacks[0].configDigest, expected);
        const text = runInstalled(["dry-run", example, "--transpile-only"]).stdout;
        assert.equal(text.split("\n")[0], `immutable-guard v${json.policyPack.version}  pack ${packDigestOf(PACK_DIR)}`);
        assert.match(text, new RegExp(`^ {4}config ${expected}$`, "m"));
    });
});
