/**
 * Policy config through the CLI's --policy-pack-config, and failing closed: a bad key stops the run
 * naming it; advisory passes with warnings; disabled is silent; an unreadable lockFile, a rule that
 * throws or a pack that crashes fails the run, never passes it.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { findings, PACK_DIR, Program, REPO, Workspace } from "./lib/workspace";

describe("policy config and failing closed under the real CLI", () => {
    let workspace: Workspace;
    let program: Program;

    before(async () => {
        workspace = new Workspace();
        program = workspace.program(path.join(REPO, "examples", "aws-violating"));
        await program.init();
    });
    after(() => workspace.dispose());

    function configFile(config: unknown): string {
        const file = path.join(workspace.root, `config-${Math.random().toString(16).slice(2)}.json`);
        fs.writeFileSync(file, JSON.stringify(config));
        return file;
    }

    const preview = (packDir: string, config?: unknown) =>
        program.withEvents(["preview", "--non-interactive", "--policy-pack", packDir, ...(config === undefined ? [] : ["--policy-pack-config", configFile(config)])]);

    it("stops the run on a misspelled key, naming it", async () => {
        const result = await preview(PACK_DIR, { "immutable-no-in-place-update": { tagKye: "immutable" } });
        assert.notEqual(result.code, 0);
        assert.match(result.stdout + result.stderr, /tagKye/);
        assert.deepEqual(findings(result.events), []);
    });

    it("passes with warnings when every policy is advisory", async () => {
        const result = await preview(PACK_DIR, { all: "advisory" });
        const found = findings(result.events);
        assert.ok(found.length >= 9, result.stdout);
        assert.deepEqual([...new Set(found.map((f) => f.level))], ["advisory"]);
        assert.equal(result.code, 0, result.stdout + result.stderr);
        assert.match(result.stdout, /advisory/);
    });

    it("is silent when every policy is disabled", async () => {
        const result = await preview(PACK_DIR, { all: "disabled" });
        assert.deepEqual(findings(result.events), []);
        assert.equal(result.code, 0, result.stdout + result.stderr);
    });

    it("fails when the lockFile cannot be read", async () => {
        const result = await preview(PACK_DIR, { "immutable-no-in-place-update": { lockFile: "no-such-lock.json" } });
        assert.notEqual(result.code, 0, result.stdout);
        assert.match(result.stdout + result.stderr, /no-such-lock\.json/);
    });

    /** A pack of one rule built with the pack's own policy wrapper, whose check does what `body` says. */
    function packWithRule(name: string, body: string): string {
        const dir = path.join(workspace.root, "packs", name);
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "PulumiPolicy.yaml"), "runtime: nodejs\n");
        fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, version: "0.0.1", main: "index.js" }));
        fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"), "dir");
        fs.writeFileSync(
            path.join(dir, "index.js"),
            `const { PolicyPack } = require("@pulumi/policy");
const { defineResourcePolicy } = require(${JSON.stringify(path.join(REPO, "bin", "rules", "lib", "policy"))});
new PolicyPack(${JSON.stringify(name)}, {
    policies: [defineResourcePolicy({
        name: "bucket-check", description: "A check of S3 buckets.", enforcementLevel: "mandatory",
        config: {}, readConfig: () => ({}), appliesTo: (type) => type === "aws:s3/bucket:Bucket",
        check: function* () { ${body} },
    })],
});
`,
        );
        return dir;
    }

    it("fails when a rule throws", async () => {
        const result = await preview(packWithRule("throwing-rule", 'throw new Error("rule bug");'));
        assert.notEqual(result.code, 0, result.stdout);
        const found = findings(result.events);
        assert.ok(found.length > 0 && found.every((f) => f.level === "mandatory"), result.stdout);
    });

    it("fails when the pack's process dies", async () => {
        const result = await preview(packWithRule("crashing-pack", "process.exit(3);"));
        assert.notEqual(result.code, 0, result.stdout);
    });
});
