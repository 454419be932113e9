/**
 * Every program in examples/ under `pulumi preview --policy-pack`: exactly the findings its
 * expected.json lists, a failing exit code exactly when one is mandatory, and every message in the
 * CLI's own output.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { findings, PACK_DIR, REPO, Workspace } from "./lib/workspace";

interface Expected {
    violations: { policy: string; resource: string; level: string }[];
}

const EXAMPLES = path.join(REPO, "examples");

describe("examples under pulumi preview --policy-pack", () => {
    let workspace: Workspace;
    before(() => (workspace = new Workspace()));
    after(() => workspace.dispose());

    for (const name of fs.readdirSync(EXAMPLES).filter((n) => fs.existsSync(path.join(EXAMPLES, n, "Pulumi.yaml")))) {
        it(`${name}: the findings of expected.json, and the exit code that follows from them`, async () => {
            const expected = JSON.parse(fs.readFileSync(path.join(EXAMPLES, name, "expected.json"), "utf8")) as Expected;
            const program = workspace.program(path.join(EXAMPLES, name));
            await program.init();
            const config = path.join(program.dir, "policy-config.json");
            const args = ["preview", "--non-interactive", "--policy-pack", PACK_DIR];
            if (fs.existsSync(config)) {
                args.push("--policy-pack-config", config);
            }
            const result = await program.withEvents(args);
            const found = findings(result.events);

            const key = (f: { policy: string; resource: string; level: string }) => `${f.policy} ${f.resource} ${f.level}`;
            assert.deepEqual(found.map(key).sort(), expected.violations.map(key).sort(), result.stdout + result.stderr);
            const mandatory = expected.violations.some((v) => v.level === "mandatory");
            assert.equal(result.code !== 0, mandatory, `exit code ${result.code}\n${result.stdout}\n${result.stderr}`);
            for (const finding of found) {
                const firstLine = finding.message.split("\n")[0].trim();
                assert.ok(result.stdout.includes(firstLine), `the CLI's output lacks: ${firstLine}`);
            }
        });
    }
});
