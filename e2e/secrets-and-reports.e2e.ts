/**
 * Secrets and reports in a real preview: no secret value in the CLI's output or in the
 * IMMUTABLE_GUARD_REPORT file the pack writes; that file rendered as SARIF by `immutable-guard
 * report` validates against SARIF 2.1.0 and names the findings the CLI showed.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { assertValidSarif } from "../test/lib/schemas";
import { immutableGuard } from "./lib/immutable-guard";
import { CANARY, deployLockedStack, holdsSecret, type LockedStack } from "./lib/locked-stack";
import { findings, PACK_DIR, Workspace } from "./lib/workspace";

const ROTATED = `${CANARY}-rotated`;
const holdsEither = (text: string) => holdsSecret(text) || holdsSecret(text, ROTATED);

interface SarifLog {
    runs: { results: { ruleId: string; level: string; message: { text: string } }[] }[];
}

describe("secrets and reports in a real preview", () => {
    let workspace: Workspace;
    let stack: LockedStack;
    let report: string;
    let preview: Awaited<ReturnType<LockedStack["program"]["withEvents"]>>;

    before(async () => {
        workspace = new Workspace();
        stack = await deployLockedStack(workspace);
        // The secret's Secret resource changes in place, so its finding is about a secret property.
        await stack.program.must(["config", "set", "variant", "retag"]);
        stack.program.edit((source) => source.replace(CANARY, ROTATED));
        report = path.join(workspace.root, "report.jsonl");
        preview = await stack.program.withEvents(
            ["preview", "--non-interactive", "--diff", "--policy-pack", PACK_DIR, "--policy-pack-config", stack.lockConfig],
            { IMMUTABLE_GUARD_REPORT: report },
        );
    });
    after(() => workspace.dispose());

    it("blocks the change of the secret without printing it", () => {
        const found = findings(preview.events).map((f) => `${f.policy} ${f.resource} ${f.level}`);
        assert.deepEqual(found, ["immutable-no-in-place-update evidence mandatory", "immutable-no-in-place-update ledger-credentials mandatory"]);
        assert.notEqual(preview.code, 0);
        assert.ok(!holdsEither(preview.stdout + preview.stderr), "the CLI's output holds the secret");
    });

    it("writes one report line per finding the CLI showed, without the secret", () => {
        const text = fs.readFileSync(report, "utf8");
        assert.ok(!holdsEither(text), "the report holds the secret");
        const lines = text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as { policy: string });
        assert.equal(lines.length, findings(preview.events).length);
    });

    it("renders the report as SARIF 2.1.0 that validates and names each finding", async () => {
        const rendered = await immutableGuard(["report", report, "--format", "sarif", "--program", stack.program.dir, "--soft-fail"]);
        assert.equal(rendered.code, 0, rendered.stderr);
        const sarif = JSON.parse(rendered.stdout) as SarifLog;
        assertValidSarif(sarif);
        assert.ok(!holdsEither(rendered.stdout));
        const results = sarif.runs[0].results;
        assert.deepEqual(results.map((r) => `${r.ruleId} ${r.level}`).sort(), ["immutable-no-in-place-update error", "immutable-no-in-place-update error"]);
    });
});
