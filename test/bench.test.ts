import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as path from "path";
import { promisify } from "util";
import { TYPICAL_RESOURCES } from "../bench/generate-stack";
import { formatReport, TARGETS, type BenchResult, type Sampled } from "../bench/report";

const ROOT = path.resolve(__dirname, "..");
const CORE_POLICIES = ["immutable-no-in-place-update", "storage-object-lock-required", "iam-no-wildcard-grants", "container-image-digest-required"];

function positive(value: number, what: string): void {
    assert.ok(Number.isFinite(value) && value > 0, `${what} is a positive number, got ${value}`);
}

function sampledPositive(value: Sampled, what: string): void {
    positive(value.median, `${what} median`);
    value.samples.forEach((s, i) => positive(s, `${what} sample ${i}`));
}

/**
 * `npm run bench -- --quick` as CI runs it: it must still run and produce every figure.
 * Timings on shared machines vary too much to assert; only their presence and shape are checked.
 */
describe("the benchmark in quick mode", function () {
    this.timeout(300000);
    let result: BenchResult;

    before(async () => {
        const { stdout } = await promisify(execFile)(process.execPath, ["-r", "ts-node/register/transpile-only", "bench/run.ts", "--quick", "--json"], {
            cwd: ROOT,
            maxBuffer: 64 * 1024 * 1024,
        });
        result = JSON.parse(stdout) as BenchResult;
    });

    it("names the pack it measured and its policies", () => {
        assert.equal(result.mode, "quick");
        assert.equal(result.pack.name, "immutable-guard");
        assert.ok(result.pack.policies.includes("container-image-digest-required"));
        assert.ok(["immutable-guard lock", "contract shape", "none"].includes(result.pack.lockSource));
    });

    it("measures the cold start of the pack, the baseline and the linked copy over several interleaved runs", () => {
        assert.ok(result.coldStart.runs >= 3);
        for (const key of ["subjectMs", "baselineMs", "linkedCopyMs"] as const) {
            sampledPositive(result.coldStart[key], key);
            assert.equal(result.coldStart[key].samples.length, result.coldStart.runs);
        }
        assert.equal(result.coldStart.ratio, result.coldStart.subjectMs.median / result.coldStart.baselineMs.median);
        positive(result.coldStart.linkedOverInPlace, "linked / in place");
    });

    it("measures what the pack's own modules add to start-up", () => {
        positive(result.startupModules.sdkMs, "SDK require");
        positive(result.startupModules.ownMs, "own modules");
        assert.ok(result.startupModules.ownModules > 0);
        assert.ok(!result.startupModules.packagesLoaded.includes("ajv"), "ajv waits for Configure");
    });

    it("measures resident memory of both packs, peak after the larger stack", () => {
        const { memory } = result;
        for (const key of ["subjectIdleMb", "baselineIdleMb", "subjectPeakMb", "baselinePeakMb", "ratio"] as const) {
            positive(memory[key], key);
        }
        assert.ok(memory.subjectPeakMb >= memory.subjectIdleMb);
        assert.equal(memory.afterResources, result.analyzeStack.rows[1].resources);
        assert.equal(memory.subjectPeakSamplesMb.length, memory.rounds);
        assert.equal(memory.baselinePeakSamplesMb.length, memory.rounds);
    });

    it("times Configure, including the first one that loads the schema validator", () => {
        for (const key of ["firstMs", "repeatMs", "largeLockMs", "baselineFirstMs", "baselineRepeatMs"] as const) {
            positive(result.configure[key], key);
        }
    });

    it("measures Analyze p50 and p99 for a typical resource of each core policy and one no policy acts on", () => {
        const { rows } = result.analyze;
        assert.deepEqual(rows.map((r) => r.label), TYPICAL_RESOURCES.map((t) => t.label));
        assert.deepEqual(rows.filter((r) => r.policy).map((r) => r.policy), CORE_POLICIES);
        assert.ok(rows.some((r) => r.policy === undefined));
        for (const row of rows) {
            positive(row.firstMs, `${row.label} first`);
            for (const side of [row.subject, row.baseline]) {
                positive(side.p50, `${row.label} p50`);
                assert.ok(side.p99 >= side.p50, `${row.label} p99 ≥ p50`);
            }
            assert.equal(row.ratio, row.subject.p50 / row.baseline.p50);
        }
    });

    it("times AnalyzeStack for two stacks ten times apart, with throughput and the time ratio", () => {
        const { rows } = result.analyzeStack;
        assert.equal(rows.length, 2);
        assert.equal(rows[1].resources, rows[0].resources * 10);
        for (const row of rows) {
            sampledPositive(row.subjectMs, `${row.resources} subject`);
            sampledPositive(row.baselineMs, `${row.resources} baseline`);
            positive(row.requestMb, "request size");
            assert.equal(row.perSecond, row.resources / (row.subjectMs.median / 1000));
            assert.equal(row.ownMs, row.subjectMs.median - row.baselineMs.median);
        }
        assert.equal(result.analyzeStack.ratio, rows[1].subjectMs.median / rows[0].subjectMs.median);
        positive(result.analyzeStack.baselineRatio, "baseline ratio");
        assert.ok(result.analyzeStack.ownRatio === null || Number.isFinite(result.analyzeStack.ownRatio));
    });

    it("lists the data sets rules load, IAM action data always (n/a until a loader exists)", () => {
        const iam = result.dataSets.find((d) => d.name === "IAM action data");
        assert.ok(iam);
        for (const set of result.dataSets.filter((d) => d.loader)) {
            assert.match(set.loader!, /^rules\/lib\/[\w.-]+\.js#load[A-Z]\w*$/);
            assert.ok(Number.isFinite(set.loadMs) && set.loadMs! >= 0, `${set.name} load time`);
        }
    });

    it("gives a verdict on every target of the issue without asserting it", () => {
        assert.deepEqual(result.verdicts.map((v) => v.limit), [
            TARGETS.coldStartRatio,
            TARGETS.peakRssRatio,
            TARGETS.stackResourcesPerSecond,
            TARGETS.stackTimeRatio,
            TARGETS.analyzeP50Ratio,
        ]);
        for (const verdict of result.verdicts) {
            positive(verdict.value, verdict.target);
            assert.equal(typeof verdict.pass, "boolean");
        }
    });

    it("prints every figure in its table", () => {
        const text = formatReport(result);
        for (const label of [
            "cold start, spawn → port (ms)",
            "same pack from a dir with linked node_modules (ms)",
            "peak RSS after 2,000-resource AnalyzeStack, median of 1 (MiB)",
            "Configure, first (ms)",
            "require time in a fresh node",
            ...TYPICAL_RESOURCES.map((t) => t.label),
            "resources/s",
            "own ms",
            "time ratio 2,000/200",
            "IAM action data",
            "Targets (issue #8; printed, not asserted)",
        ]) {
            assert.ok(text.includes(label), `the table shows "${label}"`);
        }
        assert.equal((text.match(/\b(PASS|MISS)\b/g) ?? []).length, result.verdicts.length);
        assert.doesNotMatch(text, /NaN|undefined/);
    });
});
