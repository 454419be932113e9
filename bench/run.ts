import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { analyzeRequest, analyzeStackRequest, configureRequest, PolicyPackProcess } from "../cli/analyzer-client";
import { UsageError } from "../cli/command-line";
import { generateStack, packConfigFor, PROJECT, STACK, typicalResources, type LockSource, type PackConfig } from "./generate-stack";
import { createBaselinePack, createLinkedCopy, peakRssMb, RawAnalyzer, rssMb } from "./packs";
import { runPreviewBench, type PreviewPlan } from "./preview";
import { UNIT_SIZE } from "./preview-program";
import {
    formatReport,
    inRotation,
    median,
    percentile,
    sampled,
    verdicts,
    type AnalyzeRow,
    type BenchResult,
    type DataSetRow,
    type GrpcFigures,
    type PreviewResult,
    type StackRow,
} from "./report";

/**
 * `npm run bench`: immutable-guard against a one-policy baseline pack, both started as the Pulumi
 * CLI starts them, in one run so that drift on a shared machine cancels out of every ratio; then
 * `pulumi preview` under the real CLI with immutable-guard, with an empty pack and with none.
 */

interface Plan {
    mode: "full" | "quick";
    coldStarts: number;
    startupModuleRuns: number;
    analyzeWarmup: number;
    analyzeSamples: number;
    stacks: Array<{ resources: number; repetitions: number }>;
    /** Processes whose peak RSS after the larger stack is measured; the median is reported. */
    memoryRounds: number;
    preview: PreviewPlan;
}

const PLANS: Record<"full" | "quick", Plan> = {
    full: {
        mode: "full",
        coldStarts: 7,
        startupModuleRuns: 5,
        analyzeWarmup: 30,
        analyzeSamples: 300,
        stacks: [{ resources: 1000, repetitions: 9 }, { resources: 10000, repetitions: 5 }],
        memoryRounds: 3,
        preview: { sizes: [100, 1000], repetitions: 5, warmups: 1 },
    },
    quick: {
        mode: "quick",
        coldStarts: 3,
        startupModuleRuns: 1,
        analyzeWarmup: 5,
        analyzeSamples: 30,
        stacks: [{ resources: 200, repetitions: 3 }, { resources: 2000, repetitions: 2 }],
        memoryRounds: 1,
        preview: { sizes: [100, 1000], repetitions: 3, warmups: 1 },
    },
};

const BLOCK = 10;

function progress(message: string): void {
    process.stderr.write(`bench: ${message}\n`);
}

/** Runs a script in a fresh node process and parses the JSON line it prints. */
function nodeJson<T>(script: string, args: string[], cwd: string, nodeArgs: string[] = []): T {
    const out = execFileSync(process.execPath, [...nodeArgs, "-e", script, ...args], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    return JSON.parse(out.trim().split("\n").pop()!) as T;
}

async function coldStarts(dirs: { subject: string; baseline: string; linked: string }, runs: number) {
    const samples: Record<keyof typeof dirs, number[]> = { subject: [], baseline: [], linked: [] };
    const order: Array<keyof typeof dirs> = ["subject", "baseline", "linked"];
    for (let i = 0; i < runs; i++) {
        for (const which of inRotation(order, i)) {
            const pack = await PolicyPackProcess.start(dirs[which]);
            samples[which].push(pack.startedInMs);
            await pack.stop();
        }
        progress(`cold start round ${i + 1}/${runs}`);
    }
    return samples;
}

// Loads the SDK, then the pack's main module with PolicyPack stubbed so nothing is served, and
// reports what the pack's own code added: time, modules, and which packages it pulled in.
const STARTUP_SCRIPT = `
const path = require("path");
const packDir = process.argv[1];
const now = () => Number(process.hrtime.bigint()) / 1e6;
const policyEntry = require.resolve("@pulumi/policy", { paths: [packDir] });
let t = now();
require(policyEntry);
const sdkMs = now() - t;
require(path.join(path.dirname(policyEntry), "policy.js")).PolicyPack = class {};
const before = new Set(Object.keys(require.cache));
const main = require(path.join(packDir, "package.json")).main || "index.js";
t = now();
require(path.resolve(packDir, main));
const ownMs = now() - t;
const added = Object.keys(require.cache).filter((k) => !before.has(k));
const packages = [...new Set(added.filter((k) => k.includes("node_modules")).map((k) => {
    const rest = k.slice(k.lastIndexOf("node_modules") + 13).split(path.sep);
    return rest[0].startsWith("@") ? rest[0] + "/" + rest[1] : rest[0];
}))];
console.log(JSON.stringify({ sdkMs, ownMs, ownModules: added.length, packages }));
`;

function startupModules(packDir: string, runs: number): GrpcFigures["startupModules"] {
    const results = Array.from({ length: runs }, () =>
        nodeJson<{ sdkMs: number; ownMs: number; ownModules: number; packages: string[] }>(STARTUP_SCRIPT, [packDir], packDir));
    return {
        runs,
        sdkMs: median(results.map((r) => r.sdkMs)),
        ownMs: median(results.map((r) => r.ownMs)),
        ownModules: results[0].ownModules,
        packagesLoaded: results[0].packages,
    };
}

// A rule's data set is loaded by an exported, argument-less `load…` function in rules/lib.
const FIND_LOADERS_SCRIPT = `
const fs = require("fs");
const path = require("path");
const dir = process.argv[1];
const found = [];
for (const file of fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".js")).sort() : []) {
    for (const [name, value] of Object.entries(require(path.join(dir, file)))) {
        if (typeof value === "function" && /^load[A-Z]/.test(name) && value.length === 0) {
            found.push({ file, name });
        }
    }
}
console.log(JSON.stringify(found));
`;

const TIME_LOADER_SCRIPT = `
const [file, name] = process.argv.slice(1);
const now = () => Number(process.hrtime.bigint()) / 1e6;
let t = now();
const mod = require(file);
const requireMs = now() - t;
global.gc();
const heapBefore = process.memoryUsage().heapUsed;
t = now();
Promise.resolve(mod[name]()).then((data) => {
    const loadMs = now() - t;
    global.gc();
    const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1048576;
    // Printing whether it returned data keeps the data alive through the collection above, so the
    // heap figure counts it even when the loader itself does not hold on to it.
    console.log(JSON.stringify({ requireMs, loadMs, heapMb, returned: data !== undefined }));
});
`;

function dataSets(packDir: string): DataSetRow[] {
    const libDir = path.join(packDir, "bin", "rules", "lib");
    const loaders = nodeJson<Array<{ file: string; name: string }>>(FIND_LOADERS_SCRIPT, [libDir], packDir);
    const rows: DataSetRow[] = loaders.map(({ file, name }) => {
        const { requireMs, loadMs, heapMb } = nodeJson<{ requireMs: number; loadMs: number; heapMb: number }>(
            TIME_LOADER_SCRIPT, [path.join(libDir, file), name], packDir, ["--expose-gc"]);
        const isIam = /iam/i.test(file + name);
        return { name: isIam ? "IAM action data" : name, loader: `rules/lib/${file}#${name}`, requireMs, loadMs, heapMb };
    });
    if (!rows.some((r) => r.name === "IAM action data")) {
        rows.push({ name: "IAM action data" });
    }
    return rows;
}

interface Running {
    pack: PolicyPackProcess;
    raw: RawAnalyzer;
}

async function startForWork(dir: string): Promise<Running> {
    const pack = await PolicyPackProcess.start(dir);
    return { pack, raw: new RawAnalyzer(pack.port) };
}

/** Configures the pack, or notes the refusal and goes on without config; times the call either way. */
async function configure(pack: Running, config: PackConfig): Promise<{ ms: number; refused?: string }> {
    const began = process.hrtime.bigint();
    try {
        await pack.raw.call("configure", configureRequest(config).serializeBinary());
        return { ms: Number(process.hrtime.bigint() - began) / 1e6 };
    } catch (e) {
        const ms = Number(process.hrtime.bigint() - began) / 1e6;
        await pack.raw.call("configure", configureRequest({}).serializeBinary());
        return { ms, refused: `Configure refused it (${(e as { details?: string }).details ?? String(e)})` };
    }
}

async function analyzeLatency(subject: Running, baseline: Running, plan: Plan, stack: ReturnType<typeof generateStack>, policies: string[]): Promise<AnalyzeRow[]> {
    const rows: AnalyzeRow[] = [];
    for (const { label, policy, resource } of typicalResources(stack)) {
        const request = analyzeRequest(resource).serializeBinary();
        const first = await subject.raw.timed("analyze", request);
        await baseline.raw.timed("analyze", request);
        for (let i = 0; i < plan.analyzeWarmup; i++) {
            await subject.raw.timed("analyze", request);
            await baseline.raw.timed("analyze", request);
        }
        const ours: number[] = [];
        const theirs: number[] = [];
        for (let done = 0; done < plan.analyzeSamples; done += BLOCK) {
            for (const [running, samples] of inRotation([[subject, ours], [baseline, theirs]] as const, done / BLOCK)) {
                for (let i = 0; i < BLOCK; i++) {
                    samples.push((await running.raw.timed("analyze", request)).ms);
                }
            }
        }
        const p = (samples: number[]) => ({ p50: percentile(samples, 50), p99: percentile(samples, 99) });
        rows.push({
            label,
            policy,
            policyInPack: policy === undefined || policies.includes(policy),
            diagnostics: first.diagnostics.length,
            firstMs: first.ms,
            subject: p(ours),
            baseline: p(theirs),
            ratio: percentile(ours, 50) / percentile(theirs, 50),
        });
        progress(`Analyze ${label}`);
    }
    return rows;
}

type PreparedStack = { stack: ReturnType<typeof generateStack>; repetitions: number; config: PackConfig };

/** AnalyzeStack of each stack, pack and baseline taking turns, after configuring the pack for that stack. */
async function analyzeStacks(subject: Running, baseline: Running, stacks: PreparedStack[]) {
    const rows: StackRow[] = [];
    let largeLockMs = NaN;
    let refused: string | undefined;
    for (const { stack, repetitions, config } of stacks) {
        const configured = await configure(subject, config);
        largeLockMs = configured.ms;
        refused ??= configured.refused;
        const request = analyzeStackRequest(stack.resources).serializeBinary();
        const ours: number[] = [];
        const theirs: number[] = [];
        let diagnostics = 0;
        for (let i = 0; i < repetitions; i++) {
            for (const [which, samples] of inRotation([[subject, ours], [baseline, theirs]] as const, i)) {
                const { ms, diagnostics: returned } = await which.raw.timed("analyzeStack", request);
                samples.push(ms);
                if (which === subject) {
                    diagnostics = returned.length;
                }
            }
        }
        const subjectMs = sampled(ours);
        const baselineMs = sampled(theirs);
        rows.push({
            resources: stack.resources.length,
            requestMb: request.byteLength / 1048576,
            subjectMs,
            baselineMs,
            ownMs: subjectMs.median - baselineMs.median,
            perSecond: stack.resources.length / (subjectMs.median / 1000),
            diagnostics,
        });
        progress(`AnalyzeStack ${stack.resources.length}`);
    }
    return { rows, largeLockMs, refused };
}

/**
 * How the pack's own share of AnalyzeStack time (beyond the baseline's) grows with the stack,
 * when that share is large enough to tell from noise; null otherwise.
 */
function ownRatio(small: StackRow, large: StackRow): number | null {
    const measurable = (row: StackRow) => row.ownMs > 0.05 * row.baselineMs.median;
    return measurable(small) && measurable(large) ? large.ownMs / small.ownMs : null;
}

/**
 * Peak RSS after the larger stack. When V8 collects varies from process to process, so besides
 * the processes that ran everything else, fresh ones are configured and sent the larger stack
 * alone; the median over them is reported.
 */
async function peakMemory(
    main: { subject: Running; baseline: Running },
    dirs: { subject: string; baseline: string },
    rounds: number,
    large: PreparedStack,
) {
    const samples = { subject: [peakRssMb(main.subject.pack.child.pid!)], baseline: [peakRssMb(main.baseline.pack.child.pid!)] };
    const request = analyzeStackRequest(large.stack.resources).serializeBinary();
    for (let round = 1; round < rounds; round++) {
        for (const which of inRotation(["subject", "baseline"] as const, round)) {
            const running = await startForWork(dirs[which]);
            try {
                await configure(running, which === "subject" ? large.config : {});
                await running.pack.configureStack({ stack: STACK, project: PROJECT, dryRun: true });
                for (let i = 0; i < large.repetitions; i++) {
                    await running.raw.call("analyzeStack", request);
                }
                samples[which].push(peakRssMb(running.pack.child.pid!));
            } finally {
                running.raw.close();
                await running.pack.stop();
            }
        }
        progress(`peak memory round ${round + 1}/${rounds}`);
    }
    const subjectPeakMb = median(samples.subject);
    const baselinePeakMb = median(samples.baseline);
    return {
        rounds,
        afterResources: large.stack.resources.length,
        subjectPeakMb,
        baselinePeakMb,
        subjectPeakSamplesMb: samples.subject,
        baselinePeakSamplesMb: samples.baseline,
        ratio: subjectPeakMb / baselinePeakMb,
    };
}

/** The pack against the baseline over gRPC, both started as the Pulumi CLI starts them. */
async function runGrpcBench(plan: Plan, packDir: string): Promise<GrpcFigures> {
    const baselinePack = createBaselinePack(path.join(packDir, "node_modules"));
    const linkedCopy = createLinkedCopy(packDir);
    const running: Running[] = [];
    try {
        const starts = await coldStarts({ subject: packDir, baseline: baselinePack.dir, linked: linkedCopy.dir }, plan.coldStarts);
        const startup = startupModules(packDir, plan.startupModuleRuns);
        progress("start-up modules");

        const subject = await startForWork(packDir);
        running.push(subject);
        const baseline = await startForWork(baselinePack.dir);
        running.push(baseline);
        const idle = { subject: rssMb(subject.pack.child.pid!), baseline: rssMb(baseline.pack.child.pid!) };
        const info = await subject.pack.getAnalyzerInfo();
        const policies = info.policies.map((p) => p.name);

        let configProblem: string | undefined;
        const stacks: Array<PreparedStack & { lockSource: LockSource }> = plan.stacks.map(({ resources, repetitions }) => {
            const stack = generateStack(resources);
            try {
                return { stack, repetitions, ...packConfigFor(stack, policies, packDir) };
            } catch (e) {
                configProblem ??= `making the lock failed (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`;
                return { stack, repetitions, config: {}, lockSource: "none" as const };
            }
        });

        const first = await configure(subject, stacks[0].config);
        const repeat = await configure(subject, stacks[0].config);
        const baselineFirst = await configure(baseline, {});
        const baselineRepeat = await configure(baseline, {});
        for (const { pack } of [subject, baseline]) {
            await pack.configureStack({ stack: STACK, project: PROJECT, dryRun: true });
        }
        progress("Configure");

        const analyzeRows = await analyzeLatency(subject, baseline, plan, stacks[0].stack, policies);

        const measured = await analyzeStacks(subject, baseline, stacks);
        const refused = configProblem ?? first.refused ?? measured.refused;
        const large = stacks[stacks.length - 1];
        const memory = await peakMemory(
            { subject, baseline },
            { subject: packDir, baseline: baselinePack.dir },
            plan.memoryRounds,
            large,
        );
        const stackRows = measured.rows;
        const sets = dataSets(packDir);
        progress("data sets");

        return {
            policies,
            lockSource: stacks[0].lockSource,
            ...(refused ? { configRefused: refused } : {}),
            coldStart: {
                runs: plan.coldStarts,
                subjectMs: sampled(starts.subject),
                baselineMs: sampled(starts.baseline),
                linkedCopyMs: sampled(starts.linked),
                ratio: median(starts.subject) / median(starts.baseline),
                linkedOverInPlace: median(starts.linked) / median(starts.subject),
            },
            startupModules: startup,
            configure: { firstMs: first.ms, repeatMs: repeat.ms, largeLockMs: measured.largeLockMs, baselineFirstMs: baselineFirst.ms, baselineRepeatMs: baselineRepeat.ms },
            analyze: { samples: plan.analyzeSamples, rows: analyzeRows },
            analyzeStack: {
                rows: stackRows,
                ratio: stackRows[stackRows.length - 1].subjectMs.median / stackRows[0].subjectMs.median,
                baselineRatio: stackRows[stackRows.length - 1].baselineMs.median / stackRows[0].baselineMs.median,
                ownRatio: ownRatio(stackRows[0], stackRows[stackRows.length - 1]),
            },
            memory: { ...memory, subjectIdleMb: idle.subject, baselineIdleMb: idle.baseline },
            dataSets: sets,
        };
    } finally {
        for (const { pack, raw } of running) {
            raw.close();
            await pack.stop();
        }
        baselinePack.remove();
        linkedCopy.remove();
    }
}

/** The `pulumi preview` part; a failure is reported beside the gRPC figures rather than losing them. */
async function previewPart(packDir: string, packName: string, plan: PreviewPlan): Promise<PreviewResult> {
    try {
        return await runPreviewBench({ packDir, packName, plan, progress });
    } catch (e) {
        return { failed: e instanceof Error ? e.message : String(e) };
    }
}

export interface BenchOptions {
    quick?: boolean;
    /** Only the gRPC part, or only `pulumi preview` under the real CLI; both by default. */
    only?: "grpc" | "cli";
    /** Program sizes for `pulumi preview`, instead of the plan's. */
    previewSizes?: number[];
    packDir: string;
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
    const plan = PLANS[options.quick ? "quick" : "full"];
    const packDir = path.resolve(options.packDir);
    const pkg = JSON.parse(fs.readFileSync(path.join(packDir, "package.json"), "utf8")) as { name: string; version: string; main?: string };
    if (!fs.existsSync(path.join(packDir, pkg.main ?? "index.js"))) {
        throw new Error(`${path.join(packDir, pkg.main ?? "index.js")} does not exist: run \`npm run build\` first`);
    }
    const grpc = options.only === "cli" ? undefined : await runGrpcBench(plan, packDir);
    const preview = options.only === "grpc" ? undefined : await previewPart(packDir, pkg.name, { ...plan.preview, sizes: options.previewSizes ?? plan.preview.sizes });
    const cpus = os.cpus();
    const result: Omit<BenchResult, "verdicts"> = {
        mode: plan.mode,
        machine: { node: process.versions.node, cpus: cpus.length, cpuModel: cpus[0]?.model.trim() ?? "unknown", loadAverage: os.loadavg() },
        pack: { dir: packDir, name: pkg.name, version: pkg.version },
        ...(grpc ? { grpc } : {}),
        ...(preview ? { preview } : {}),
    };
    return { ...result, verdicts: verdicts(result) };
}

/** `npm run bench` arguments; throws a UsageError naming the bad one. */
export function parseBenchArgs(argv: string[]): BenchOptions & { json: boolean } {
    const options = {
        quick: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        pack: { type: "string", default: path.resolve(__dirname, "..") },
        only: { type: "string" },
        "preview-sizes": { type: "string" },
    } as const;
    let values: ReturnType<typeof parseArgs<{ options: typeof options }>>["values"];
    try {
        values = parseArgs({ args: argv, options }).values;
    } catch (e) {
        throw new UsageError((e as Error).message);
    }
    const only = values.only;
    if (only !== undefined && only !== "grpc" && only !== "cli") {
        throw new UsageError(`--only takes grpc or cli, not ${JSON.stringify(only)}`);
    }
    const sizes = values["preview-sizes"]?.split(",").map((size) => size.trim());
    if (sizes?.some((size) => !/^[1-9]\d*$/.test(size) || Number(size) % UNIT_SIZE !== 0)) {
        throw new UsageError(`--preview-sizes takes a comma-separated list of multiples of ${UNIT_SIZE}, not ${JSON.stringify(values["preview-sizes"])}`);
    }
    return {
        quick: values.quick,
        json: values.json,
        packDir: values.pack!,
        ...(only ? { only } : {}),
        ...(sizes ? { previewSizes: sizes.map(Number) } : {}),
    };
}

async function main(argv: string[]): Promise<void> {
    const { json, ...options } = parseBenchArgs(argv);
    const result = await runBench(options);
    process.stdout.write(json ? JSON.stringify(result, null, 2) + "\n" : formatReport(result));
    if (result.preview && "failed" in result.preview) {
        process.exitCode = 1;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((e: unknown) => {
        const usage = e instanceof UsageError;
        process.stderr.write(`bench: ${usage ? e.message : e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
        process.exitCode = usage ? 2 : 1;
    });
}
