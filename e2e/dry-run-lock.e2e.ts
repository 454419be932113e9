/**
 * The dry run imitates what the providers' Check adds to inputs (auto-names, defaults, `tagsAll`,
 * `region`, a Secret's `stringData` as `data`). Checked here against the engine: each example program,
 * and the lock suite's program, is deployed for real with every resource flagged, its
 * `pulumi stack export --show-secrets` is locked, and `immutable-guard dry-run` of the same, unchanged
 * program with that lock must find no change at all.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { immutableGuard } from "./lib/immutable-guard";
import { REPO, Workspace } from "./lib/workspace";

interface DryRunReport {
    stacks: { violations: { policy: string; level: string; name: string; message: string }[] }[];
}

const LOCK_POLICIES = new Set(["immutable-no-in-place-update", "immutable-no-in-place-update-stack"]);
const EXAMPLES = path.join(REPO, "examples");
const PROGRAMS = [
    ...fs.readdirSync(EXAMPLES).filter((n) => fs.existsSync(path.join(EXAMPLES, n, "Pulumi.yaml"))).map((n) => path.join(EXAMPLES, n)),
    path.join(REPO, "e2e", "programs", "locked-stack"),
];

describe("the dry run against a lock made from a real stack export", () => {
    let workspace: Workspace;
    before(() => (workspace = new Workspace()));
    after(() => workspace.dispose());

    for (const source of PROGRAMS) {
        const name = path.basename(source);
        it(`${name}: the unchanged program has no finding of the lock policies`, async () => {
            const program = workspace.program(source);
            await program.init();
            await program.must(["up", "--yes", "--non-interactive", "--skip-preview"]);
            const exported = await program.must(["stack", "export", "--show-secrets"]);

            // Every resource flagged, so that every input a provider's Check adds is compared.
            const config = program.writeFile("lock-everything.json", JSON.stringify({ "immutable-no-in-place-update": { urns: ["*"] } }));
            const locked = await immutableGuard(["lock", "-", "--config", config, "--out", config], exported.stdout);
            assert.equal(locked.code, 0, locked.stderr);
            assert.ok(Object.keys(JSON.parse(fs.readFileSync(config, "utf8"))["immutable-no-in-place-update"].lock.resources).length > 0);

            const dryRun = await immutableGuard(["dry-run", program.dir, "--config", config, "--stack", program.stack, "--format", "json", "--soft-fail"]);
            assert.equal(dryRun.code, 0, dryRun.stderr);
            const report = JSON.parse(dryRun.stdout) as DryRunReport;
            const found = report.stacks
                .flatMap((s) => s.violations)
                .filter((v) => LOCK_POLICIES.has(v.policy))
                // Not a difference from the lock: flagging every resource flags one the program lets drift.
                .filter((v) => !/sets ignoreChanges .* although it is flagged immutable/.test(v.message))
                // The dry run previews: what a provider computes (another resource's name or ARN) is unknown, compared at `up`.
                .filter((v) => !(v.level === "advisory" && /(is|are) computed from other resources and not known during preview/.test(v.message)));
            assert.deepEqual(found.map((v) => `${v.level} ${v.name}: ${v.message.split(". ")[0]}`), []);
        });
    }
});
