import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { obtainPulumi } from "../e2e/lib/pulumi-cli";
import { REPO, runCommand, Workspace, type CommandResult, type Program } from "../e2e/lib/workspace";
import { LOCK_POLICY } from "./generate-stack";
import { createEmptyPack, EMPTY_PACK_NAME } from "./packs";
import { previewProgram } from "./preview-program";
import {
    inRotation,
    overheadPercent,
    PREVIEW_ARMS,
    sampled,
    type PreviewArm,
    type PreviewFigures,
    type PreviewResult,
    type PreviewRow,
} from "./report";

/**
 * `pulumi preview` wall time of generated programs under the real Pulumi CLI, with immutable-guard,
 * with a pack that has no policies, and with no pack, on a local backend in a temporary folder,
 * against the test providers of the end-to-end suite: nothing reaches a cloud or the network.
 */

export const HOW_TO_ENABLE =
    "Put a Pulumi CLI on PATH, or set IMMUTABLE_GUARD_PULUMI_BIN to a directory holding `pulumi`, or build one into the " +
    "cache once with `bash e2e/pulumi-cli/ensure-pulumi.sh` (Go 1.26, a few minutes; `npm run e2e` does it too), then run " +
    "`npm run bench -- --only cli`.";

/**
 * The directory of a Pulumi CLI that is installed or already built into the end-to-end suite's
 * cache; a benchmark never starts a build of several minutes on its own.
 */
export function findPulumi(): { dir: string } | { skipped: string } {
    try {
        const dir = obtainPulumi(false);
        return dir ? { dir } : { skipped: `no Pulumi CLI installed or cached. ${HOW_TO_ENABLE}` };
    } catch (e) {
        return { skipped: `${(e as Error).message}. ${HOW_TO_ENABLE}` };
    }
}

export interface PreviewPlan {
    sizes: number[];
    repetitions: number;
    warmups: number;
}

/** What `pulumi preview` gets in one arm, and the pack it must then list. */
interface Arm {
    args: string[];
    pack?: string;
}

interface Session {
    workspace: Workspace;
    packDir: string;
    plan: PreviewPlan;
    /** The arms, for a stack locked in `lockFile`. */
    arms: (lockFile: string) => Record<PreviewArm, Arm>;
    progress: (message: string) => void;
}

/**
 * Throws unless the preview succeeded, changed nothing, and ran the arm's pack: a timing of a
 * failed or different preview is not a figure. Returns the number of unchanged resources.
 */
export function checkPreview(arm: PreviewArm, packName: string | undefined, result: CommandResult): number {
    const output = `${result.stdout}\n${result.stderr}`;
    const tail = () => output.trim().split("\n").slice(-25).join("\n");
    if (result.code !== 0) {
        throw new Error(`pulumi preview (${arm}) exited ${result.code}:\n${tail()}`);
    }
    const changes = /^\s+[-+~]*\s*\d[\d,]* to (create|update|delete|replace)/m.exec(output);
    if (changes) {
        throw new Error(`pulumi preview (${arm}) of the deployed stack plans changes ("${changes[0].trim()}"):\n${tail()}`);
    }
    const unchanged = /^\s+(\d[\d,]*) unchanged\s*$/m.exec(output);
    if (!unchanged) {
        throw new Error(`pulumi preview (${arm}) printed no count of unchanged resources:\n${tail()}`);
    }
    const policies = output.search(/^Policies:/m);
    if (packName !== undefined && (policies < 0 || !output.includes(` ${packName}@v`, policies))) {
        throw new Error(`pulumi preview (${arm}) did not list the policy pack ${packName}:\n${tail()}`);
    }
    return Number(unchanged[1].replace(/,/g, ""));
}

async function timedPreview(program: Program, name: PreviewArm, arm: Arm): Promise<{ ms: number; unchanged: number }> {
    const began = process.hrtime.bigint();
    const result = await program.pulumi(["preview", "--non-interactive", ...arm.args]);
    const ms = Number(process.hrtime.bigint() - began) / 1e6;
    return { ms, unchanged: checkPreview(name, arm.pack, result) };
}

/** `pulumi up` of the program, then the lock of its flagged resources made from the stack's export. */
async function deploy(program: Program, packDir: string, lockFile: string): Promise<{ upMs: number; locked: number }> {
    await program.init();
    const began = process.hrtime.bigint();
    await program.must(["up", "--yes", "--non-interactive", "--skip-preview"]);
    const upMs = Number(process.hrtime.bigint() - began) / 1e6;
    const exported = await program.must(["stack", "export", "--show-secrets"]);
    const locked = await runCommand(process.execPath, [path.join(packDir, "bin", "cli", "main.js"), "lock", "-", "--out", lockFile], REPO, process.env, exported.stdout);
    if (locked.code !== 0) {
        throw new Error(`immutable-guard lock exited ${locked.code}: ${locked.stderr.trim()}`);
    }
    const config = JSON.parse(fs.readFileSync(lockFile, "utf8")) as Record<string, { lock?: { resources?: Record<string, unknown> } }>;
    return { upMs, locked: Object.keys(config[LOCK_POLICY]?.lock?.resources ?? {}).length };
}

async function measureSize({ workspace, packDir, plan, arms, progress }: Session, size: number): Promise<PreviewRow> {
    const source = path.join(workspace.root, "sources", `resources-${size}`);
    fs.mkdirSync(source, { recursive: true });
    for (const [file, text] of Object.entries(previewProgram(size))) {
        fs.writeFileSync(path.join(source, file), text);
    }
    // Stacks of a local backend are named per project: one stack per size keeps them apart.
    const program = workspace.program(source, `resources-${size}`, `size-${size}`);
    const lockFile = path.join(workspace.root, `lock-${size}.json`);
    const { upMs, locked } = await deploy(program, packDir, lockFile);
    progress(`pulumi up of ${size} resources: ${(upMs / 1000).toFixed(1)} s, ${locked} locked`);

    const armsOfStack = arms(lockFile);
    const samples: Record<PreviewArm, number[]> = { "immutable-guard": [], "empty pack": [], "no pack": [] };
    let unchanged = 0;
    for (let round = 0; round < plan.warmups + plan.repetitions; round++) {
        for (const arm of inRotation(PREVIEW_ARMS, round)) {
            const preview = await timedPreview(program, arm, armsOfStack[arm]);
            unchanged = preview.unchanged;
            if (round >= plan.warmups) {
                samples[arm].push(preview.ms);
            }
        }
        progress(`pulumi preview of ${size} resources, round ${round + 1}/${plan.warmups + plan.repetitions}${round < plan.warmups ? " (warm-up)" : ""}`);
    }
    const ms = { "immutable-guard": sampled(samples["immutable-guard"]), "empty pack": sampled(samples["empty pack"]), "no pack": sampled(samples["no pack"]) };
    return {
        resources: size,
        unchanged,
        locked,
        upMs,
        ms,
        overheadPercent: overheadPercent(ms["immutable-guard"].median, ms["empty pack"].median),
        emptyPackPercent: overheadPercent(ms["empty pack"].median, ms["no pack"].median),
    };
}

function cliVersion(dir: string): string {
    return spawnSync(path.join(dir, "pulumi"), ["version"], { encoding: "utf8", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } }).stdout.trim();
}

export async function runPreviewBench(options: { packDir: string; packName: string; plan: PreviewPlan; progress: (message: string) => void }): Promise<PreviewResult> {
    const cli = findPulumi();
    if ("skipped" in cli) {
        return cli;
    }
    const { packDir, packName, plan, progress } = options;
    const workspace = new Workspace(cli.dir);
    const empty = createEmptyPack(path.join(packDir, "node_modules"));
    try {
        const session: Session = {
            workspace,
            packDir,
            plan,
            arms: (lockFile) => ({
                "immutable-guard": { args: ["--policy-pack", packDir, "--policy-pack-config", lockFile], pack: packName },
                "empty pack": { args: ["--policy-pack", empty.dir], pack: EMPTY_PACK_NAME },
                "no pack": { args: [] },
            }),
            progress,
        };
        const rows: PreviewRow[] = [];
        for (const size of plan.sizes) {
            rows.push(await measureSize(session, size));
        }
        const figures: PreviewFigures = { cli: { dir: cli.dir, version: cliVersion(cli.dir) }, repetitions: plan.repetitions, warmups: plan.warmups, rows };
        return figures;
    } finally {
        empty.remove();
        workspace.dispose();
    }
}
