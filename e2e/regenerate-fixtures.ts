/**
 * `npm run e2e:fixtures`: writes the fixtures that stand for Pulumi CLI output from real CLI runs, so
 * the unit tests read what the engine produces rather than what we think it produces:
 * - test/fixtures/stack-exports/{aws,kubernetes}-prod-{show-secrets,encrypted}.json: `pulumi stack export`
 *   with and without --show-secrets of e2e/programs/shop and e2e/programs/storefront;
 * - test/fixtures/previews/*.json: `pulumi preview --json` of those stacks after a change;
 * - examples/flagged-lock/stack-export.json and the lock in its policy-config.json (made with
 *   `immutable-guard lock --config`), from the example deployed as it was before it set forceDestroy.
 *
 * Only what differs from run to run or machine to machine is normalized: timestamps, durations and the
 * local paths of the CLI and plugins. Names with random suffixes, ids and ciphertexts stay as produced.
 * Every secret is an obvious fake. The bad-*.json exports stay hand-made: they are wrong on purpose.
 */
import * as fs from "fs";
import * as path from "path";
import { immutableGuard } from "./lib/immutable-guard";
import { findInstalledPulumi, obtainPulumi } from "./lib/pulumi-cli";
import { Program, REPO, Workspace } from "./lib/workspace";

const FIXTURES = path.join(REPO, "test", "fixtures");
const FLAGGED_LOCK = path.join(REPO, "examples", "flagged-lock");
/** The fake secret of the shop stack's config, in plaintext in the exports made with --show-secrets. */
const DB_PASSWORD = "FAKE-orders-db-password-not-a-real-secret";

const FIXED_TIME = "2026-11-20T10:15:00.000Z";
const TIMESTAMP_KEYS = ["created", "modified", "time", "lastModified", "createDate", "creationTimestamp"];

/** The run-to-run and machine-to-machine parts of a CLI document, made fixed. */
function normalize(text: string, workspace: Workspace): string {
    const places: [string, string][] = [
        [workspace.root, "/tmp/pulumi-workspace"],
        [path.join(REPO, "e2e", "providers", "bin"), "/home/runner/.pulumi/plugins"],
        [findInstalledPulumi() ?? "/nonexistent", "/home/runner/.pulumi/bin"],
        [REPO, "/home/runner/work/immutable-guard"],
    ];
    let result = text;
    for (const [from, to] of places) {
        result = result.split(from).join(to);
    }
    const timestamps = new RegExp(`("(?:${TIMESTAMP_KEYS.join("|")})": )"\\d{4}-\\d\\d-\\d\\dT[^"]+"`, "g");
    return result.replace(timestamps, `$1"${FIXED_TIME}"`).replace(/("duration": )\d+/g, "$10");
}

function write(file: string, text: string, workspace: Workspace): void {
    const document = JSON.parse(text) as unknown;
    fs.writeFileSync(file, normalize(JSON.stringify(document, null, 4), workspace) + "\n");
    process.stderr.write(`wrote ${path.relative(REPO, file)}\n`);
}

async function exportBoth(program: Program, prefix: string, workspace: Workspace): Promise<void> {
    const shown = await program.must(["stack", "export", "--show-secrets"]);
    write(path.join(FIXTURES, "stack-exports", `${prefix}-show-secrets.json`), shown.stdout, workspace);
    const encrypted = await program.must(["stack", "export"]);
    write(path.join(FIXTURES, "stack-exports", `${prefix}-encrypted.json`), encrypted.stdout, workspace);
}

/** `pulumi preview --json` of the program with its `variant` config set; it exits 0 unless the plan fails. */
async function previewOf(program: Program, variant: string, fixture: string, workspace: Workspace): Promise<void> {
    await program.must(["config", "set", "variant", variant]);
    const preview = await program.must(["preview", "--json", "--non-interactive"]);
    write(path.join(FIXTURES, "previews", `${fixture}.json`), preview.stdout, workspace);
}

/** `pulumi up` with the program's `variant` config set; whether it must succeed is the caller's to say. */
async function up(program: Program, variant: string, expect: "succeeds" | "fails" = "succeeds", env: NodeJS.ProcessEnv = {}): Promise<void> {
    await program.must(["config", "set", "variant", variant]);
    const result = await program.pulumi(["up", "--yes", "--non-interactive", "--skip-preview"], env);
    if ((result.code === 0) !== (expect === "succeeds")) {
        throw new Error(`pulumi up (variant ${variant}) of ${path.basename(program.dir)} exited ${result.code}, expected it to ${expect === "succeeds" ? "succeed" : "fail"}\n${result.stdout}\n${result.stderr}`);
    }
}

async function shop(workspace: Workspace): Promise<void> {
    const program = workspace.program(path.join(REPO, "e2e", "programs", "shop"), "shop", "prod");
    await program.init();
    await program.must(["config", "set", "--secret", "dbPassword", DB_PASSWORD]);
    await up(program, "unlocked");
    // Turning object lock on replaces the bucket; the cloud refusing to delete the old one leaves it in
    // the state pending deletion under the same URN, which the lock must not take for the live bucket.
    await up(program, "base", "fails", { IMMUTABLE_GUARD_E2E_REFUSE_DELETE: "audit-logs" });
    const state = JSON.parse((await program.must(["stack", "export"])).stdout) as { deployment: { resources: { delete?: boolean }[] } };
    if (!state.deployment.resources.some((r) => r.delete)) {
        throw new Error("no resource is pending deletion after the refused delete");
    }
    await exportBoth(program, "aws-prod", workspace);
    await up(program, "base");
    await previewOf(program, "base", "aws-no-changes", workspace);
    await previewOf(program, "retag", "aws-update-flagged-bucket", workspace);
    await previewOf(program, "replace", "aws-replace-flagged-bucket", workspace);
    await previewOf(program, "unflag", "aws-update-removes-flag", workspace);
    await previewOf(program, "role", "aws-update-unflagged-role", workspace);
}

async function storefront(workspace: Workspace): Promise<void> {
    const program = workspace.program(path.join(REPO, "e2e", "programs", "storefront"), "storefront", "prod");
    await program.init();
    await up(program, "base");
    await exportBoth(program, "kubernetes-prod", workspace);
    await previewOf(program, "rollout", "kubernetes-update-flagged-deployment", workspace);
    await previewOf(program, "settings", "kubernetes-replace-flagged-configmap", workspace);
}

/** The flagged-lock example as it was deployed and locked: before the change its index.ts now makes. */
async function flaggedLock(workspace: Workspace): Promise<void> {
    const program = workspace.program(FLAGGED_LOCK, "flagged-lock", "dev");
    program.edit((source) => source.replace("forceDestroy: true,", "forceDestroy: false,"));
    await program.init();
    await program.must(["up", "--yes", "--non-interactive", "--skip-preview"]);
    const exported = await program.must(["stack", "export"]);
    const exportFile = path.join(FLAGGED_LOCK, "stack-export.json");
    write(exportFile, exported.stdout, workspace);
    // --config keeps the salt and settings of the lock it replaces, so an unchanged input keeps its fingerprint.
    const config = path.join(FLAGGED_LOCK, "policy-config.json");
    const locked = await immutableGuard(["lock", exportFile, "--config", config, "--out", config]);
    if (locked.code !== 0) {
        throw new Error(`immutable-guard lock failed: ${locked.stderr}`);
    }
    process.stderr.write(`wrote ${path.relative(REPO, config)}\n`);
}

async function main(): Promise<void> {
    // As `npm run e2e` does: an installed CLI, else the one e2e/pulumi-cli builds into its cache.
    process.env.IMMUTABLE_GUARD_PULUMI_BIN = findInstalledPulumi() ?? obtainPulumi(true);
    const workspace = new Workspace();
    try {
        await shop(workspace);
        await storefront(workspace);
        await flaggedLock(workspace);
    } finally {
        workspace.dispose();
    }
}

main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
});
