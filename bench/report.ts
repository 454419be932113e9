import type { LockSource } from "./generate-stack";

/**
 * Issue #8's targets, and issue #12's for a real preview. Every one but throughput is measured
 * against a reference pack in the same run.
 */
export const TARGETS = {
    coldStartRatio: 1.2,
    peakRssRatio: 1.3,
    stackResourcesPerSecond: 5000,
    stackTimeRatio: 12,
    analyzeP50Ratio: 1.5,
    /** At the largest program: immutable-guard's `pulumi preview` time over an empty pack's, in %. */
    previewOverheadPercent: 10,
} as const;

export interface Sampled {
    median: number;
    samples: number[];
}

export interface Percentiles {
    p50: number;
    p99: number;
}

export interface AnalyzeRow {
    label: string;
    /** The core policy this resource is typical of; absent for the resource no policy acts on. */
    policy?: string;
    policyInPack: boolean;
    /** Diagnostics the measured pack returned for it. */
    diagnostics: number;
    /** The first Analyze of this resource after start-up, which pays any lazy loading. */
    firstMs: number;
    subject: Percentiles;
    baseline: Percentiles;
    ratio: number;
}

export interface StackRow {
    resources: number;
    requestMb: number;
    subjectMs: Sampled;
    baselineMs: Sampled;
    /** The pack's median minus the baseline's: what the pack's own stack policies add. */
    ownMs: number;
    perSecond: number;
    diagnostics: number;
}

export interface DataSetRow {
    name: string;
    /** `module#loader` in rules/lib, or absent when no loader exists yet. */
    loader?: string;
    requireMs?: number;
    loadMs?: number;
    heapMb?: number;
}

export interface Verdict {
    target: string;
    measured: string;
    value: number;
    limit: number;
    /** true when the value is within the limit. */
    pass: boolean;
}

/** What each `pulumi preview` of the same stack runs with. */
export const PREVIEW_ARMS = ["immutable-guard", "empty pack", "no pack"] as const;
export type PreviewArm = (typeof PREVIEW_ARMS)[number];

export interface PreviewRow {
    /** Resources the program declares. */
    resources: number;
    /** Resources the preview reports unchanged: the program's and its stack. */
    unchanged: number;
    /** Flagged resources in the lock immutable-guard was configured with. */
    locked: number;
    upMs: number;
    ms: Record<PreviewArm, Sampled>;
    /** immutable-guard's median over the empty pack's, in %. */
    overheadPercent: number;
    /** The empty pack's median over no pack's, in %: what any Node.js pack costs a preview. */
    emptyPackPercent: number;
}

export interface PreviewFigures {
    cli: { dir: string; version: string };
    repetitions: number;
    /** Untimed previews of each arm before the timed ones. */
    warmups: number;
    rows: PreviewRow[];
}

/** The `pulumi preview` part: its figures, why it did not run, or what stopped it. */
export type PreviewResult = PreviewFigures | { skipped: string } | { failed: string };

/** The pack measured over gRPC against the baseline. */
export interface GrpcFigures {
    policies: string[];
    lockSource: LockSource;
    /** Why the generated config could not be used (the run then goes on without it). */
    configRefused?: string;
    coldStart: { runs: number; subjectMs: Sampled; baselineMs: Sampled; linkedCopyMs: Sampled; ratio: number; linkedOverInPlace: number };
    startupModules: { runs: number; sdkMs: number; ownMs: number; ownModules: number; packagesLoaded: string[] };
    configure: { firstMs: number; repeatMs: number; largeLockMs: number; baselineFirstMs: number; baselineRepeatMs: number };
    analyze: { samples: number; rows: AnalyzeRow[] };
    /** ratio: the pack's larger/smaller stack time; baselineRatio: the same for the baseline, the SDK's own floor. */
    analyzeStack: { rows: StackRow[]; ratio: number; baselineRatio: number; ownRatio: number | null };
    memory: {
        rounds: number;
        afterResources: number;
        subjectIdleMb: number;
        baselineIdleMb: number;
        /** Medians over `rounds` processes. */
        subjectPeakMb: number;
        baselinePeakMb: number;
        subjectPeakSamplesMb: number[];
        baselinePeakSamplesMb: number[];
        ratio: number;
    };
    dataSets: DataSetRow[];
}

export interface BenchResult {
    mode: "full" | "quick";
    machine: { node: string; cpus: number; cpuModel: string; loadAverage: number[] };
    pack: { dir: string; name: string; version: string };
    /** Absent with `--only cli`. */
    grpc?: GrpcFigures;
    /** Absent with `--only grpc`. */
    preview?: PreviewResult;
    verdicts: Verdict[];
}

export function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function sampled(samples: number[]): Sampled {
    return { median: median(samples), samples };
}

/** How much longer `subjectMs` takes than `referenceMs`, in % (negative when shorter). */
export function overheadPercent(subjectMs: number, referenceMs: number): number {
    return (subjectMs / referenceMs - 1) * 100;
}

/**
 * The items in the order of this round: each round starts one further along, so over as many
 * rounds as there are items each goes first once, and drift on a shared machine is spread over all.
 */
export function inRotation<T>(items: readonly T[], round: number): T[] {
    const start = round % items.length;
    return [...items.slice(start), ...items.slice(0, start)];
}

export function hasFigures(preview: PreviewResult): preview is PreviewFigures {
    return "rows" in preview;
}

export function verdicts(r: Omit<BenchResult, "verdicts">): Verdict[] {
    return [
        ...(r.grpc ? grpcVerdicts(r.grpc) : []),
        ...(r.preview && hasFigures(r.preview) ? [previewVerdict(r.preview)] : []),
    ];
}

function previewVerdict(p: PreviewFigures): Verdict {
    const large = p.rows[p.rows.length - 1];
    return {
        target: `pulumi preview ${large.resources.toLocaleString("en-US")} resources ≤ +${TARGETS.previewOverheadPercent} % over an empty pack`,
        measured: `${fmt(large.ms["immutable-guard"].median, 0)} ms vs ${fmt(large.ms["empty pack"].median, 0)} ms`,
        value: large.overheadPercent,
        limit: TARGETS.previewOverheadPercent,
        pass: large.overheadPercent <= TARGETS.previewOverheadPercent,
    };
}

function grpcVerdicts(r: GrpcFigures): Verdict[] {
    const large = r.analyzeStack.rows[r.analyzeStack.rows.length - 1];
    const small = r.analyzeStack.rows[0];
    const worst = r.analyze.rows.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    const n = (v: number) => v.toLocaleString("en-US");
    return [
        {
            target: `cold start ≤ ${TARGETS.coldStartRatio}× baseline`,
            measured: `${fmt(r.coldStart.subjectMs.median, 0)} ms vs ${fmt(r.coldStart.baselineMs.median, 0)} ms`,
            value: r.coldStart.ratio,
            limit: TARGETS.coldStartRatio,
            pass: r.coldStart.ratio <= TARGETS.coldStartRatio,
        },
        {
            target: `peak RSS ≤ ${TARGETS.peakRssRatio}× baseline (after ${n(r.memory.afterResources)} resources)`,
            measured: `${fmt(r.memory.subjectPeakMb, 0)} MiB vs ${fmt(r.memory.baselinePeakMb, 0)} MiB`,
            value: r.memory.ratio,
            limit: TARGETS.peakRssRatio,
            pass: r.memory.ratio <= TARGETS.peakRssRatio,
        },
        {
            target: `AnalyzeStack ${n(large.resources)} ≥ ${n(TARGETS.stackResourcesPerSecond)} resources/s`,
            measured: `${fmt(large.subjectMs.median, 0)} ms`,
            value: large.perSecond,
            limit: TARGETS.stackResourcesPerSecond,
            pass: large.perSecond >= TARGETS.stackResourcesPerSecond,
        },
        {
            target: `AnalyzeStack ${n(large.resources)}/${n(small.resources)} time ratio ≤ ${TARGETS.stackTimeRatio}`,
            measured: `${fmt(large.subjectMs.median, 0)} ms / ${fmt(small.subjectMs.median, 1)} ms`,
            value: r.analyzeStack.ratio,
            limit: TARGETS.stackTimeRatio,
            pass: r.analyzeStack.ratio <= TARGETS.stackTimeRatio,
        },
        {
            target: `Analyze p50 ≤ ${TARGETS.analyzeP50Ratio}× baseline (worst resource)`,
            measured: `${worst.label}: ${fmt(worst.subject.p50, 2)} ms vs ${fmt(worst.baseline.p50, 2)} ms`,
            value: worst.ratio,
            limit: TARGETS.analyzeP50Ratio,
            pass: worst.ratio <= TARGETS.analyzeP50Ratio,
        },
    ];
}

function fmt(value: number, digits: number): string {
    return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}

const NUMERIC = /^(-?[\d.,]+|n\/a|PASS|MISS)?$/;

/** A plain-text table: numbers right-aligned, text left-aligned. */
function table(header: string[], rows: string[][]): string {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const numeric = header.map((_, i) => rows.every((r) => NUMERIC.test(r[i])));
    const line = (cells: string[]) => cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
    return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** The human-readable report `npm run bench` prints. */
export function formatReport(r: BenchResult): string {
    const m = r.machine;
    const out: string[] = [
        `immutable-guard ${r.pack.version} benchmark (${r.mode}) — node ${m.node}, ${m.cpus} × ${m.cpuModel}, load ${m.loadAverage.map((l) => l.toFixed(2)).join(" ")}`,
        `pack: ${r.pack.dir}`,
        "",
    ];
    if (r.grpc) {
        out.push(...formatGrpc(r.grpc));
    }
    if (r.preview) {
        out.push(...formatPreview(r.preview));
    }
    out.push("Targets (issues #8 and #12; printed, not asserted)");
    out.push(r.verdicts.length ? table(["target", "measured", "value", "verdict"], r.verdicts.map((v) => [
        v.target,
        v.measured,
        fmt(v.value, Math.abs(v.value) >= 100 ? 0 : 2),
        v.pass ? "PASS" : "MISS",
    ])) : "none measured");
    return out.join("\n") + "\n";
}

function formatPreview(p: PreviewResult): string[] {
    if ("skipped" in p) {
        return [`pulumi preview: SKIPPED. ${p.skipped}`, ""];
    }
    if ("failed" in p) {
        return [`pulumi preview: FAILED. ${p.failed}`, ""];
    }
    const rows = p.rows;
    return [
        `pulumi preview of a deployed stack, every resource unchanged (median of ${p.repetitions} after ${p.warmups} untimed, the three in rotating order; ms)`,
        `Pulumi CLI ${p.cli.version} (${p.cli.dir}); programs in generated JavaScript (runtime option typescript: false) on @pulumi/aws and @pulumi/kubernetes, ` +
            "the test providers of e2e/providers; immutable-guard with the lock `immutable-guard lock` made from the stack's export",
        table(["resources", "unchanged", "locked", "up s", "immutable-guard", "empty pack", "no pack", "over empty %", "empty over none %"], rows.map((row) => [
            row.resources.toLocaleString("en-US"),
            row.unchanged.toLocaleString("en-US"),
            row.locked.toLocaleString("en-US"),
            fmt(row.upMs / 1000, 1),
            ...PREVIEW_ARMS.map((arm) => fmt(row.ms[arm].median, 0)),
            fmt(row.overheadPercent, 1),
            fmt(row.emptyPackPercent, 1),
        ])),
        ...rows.map((row) => `${row.resources.toLocaleString("en-US")} resources, fastest–slowest sample: ` +
            PREVIEW_ARMS.map((arm) => `${arm} ${fmt(Math.min(...row.ms[arm].samples), 0)}–${fmt(Math.max(...row.ms[arm].samples), 0)}`).join(", ") + " ms"),
        "",
    ];
}

function formatGrpc(r: GrpcFigures): string[] {
    const out: string[] = [];
    out.push(`policies (${r.policies.length}): ${r.policies.join(", ")}`);
    out.push(`lock config: ${r.lockSource}${r.configRefused ? ` — not used, analyzed without it: ${r.configRefused}` : ""}`);
    out.push("baseline: one trivial resource policy, compiled JS, node_modules linked to the pack's; both started like the Pulumi CLI (run-policy-pack)");
    out.push("");

    out.push(`Start-up (median of ${r.coldStart.runs}, interleaved)`);
    out.push(table(["figure", "immutable-guard", "baseline", "ratio"], [
        ["cold start, spawn → port (ms)", fmt(r.coldStart.subjectMs.median, 0), fmt(r.coldStart.baselineMs.median, 0), fmt(r.coldStart.ratio, 2)],
        ["  same pack from a dir with linked node_modules (ms)", fmt(r.coldStart.linkedCopyMs.median, 0), "", fmt(r.coldStart.linkedOverInPlace, 2)],
        ["RSS after start (MiB)", fmt(r.memory.subjectIdleMb, 0), fmt(r.memory.baselineIdleMb, 0), fmt(r.memory.subjectIdleMb / r.memory.baselineIdleMb, 2)],
        [`peak RSS after ${r.memory.afterResources.toLocaleString("en-US")}-resource AnalyzeStack, median of ${r.memory.rounds} (MiB)`, fmt(r.memory.subjectPeakMb, 0), fmt(r.memory.baselinePeakMb, 0), fmt(r.memory.ratio, 2)],
        ["Configure, first (ms)", fmt(r.configure.firstMs, 1), fmt(r.configure.baselineFirstMs, 1), ""],
        ["Configure, again (ms)", fmt(r.configure.repeatMs, 1), fmt(r.configure.baselineRepeatMs, 1), ""],
        [`Configure with the ${r.analyzeStack.rows[r.analyzeStack.rows.length - 1].resources.toLocaleString("en-US")}-resource stack's config (ms)`, fmt(r.configure.largeLockMs, 1), "", ""],
    ]));
    const s = r.startupModules;
    out.push(`require time in a fresh node (median of ${s.runs}): @pulumi/policy ${fmt(s.sdkMs, 0)} ms; then the pack's own modules ${fmt(s.ownMs, 1)} ms ` +
        `(${s.ownModules} modules; packages: ${s.packagesLoaded.length ? s.packagesLoaded.join(", ") : "none"})`);
    out.push("");

    out.push(`Analyze over gRPC (${r.analyze.samples} calls each, interleaved; ms)`);
    out.push(table(["resource", "policy", "diags", "first", "p50", "p99", "base p50", "base p99", "p50 ratio"], r.analyze.rows.map((row) => [
        row.label,
        row.policy ? `${row.policy}${row.policyInPack ? "" : " (not in pack)"}` : "-",
        String(row.diagnostics),
        fmt(row.firstMs, 2),
        fmt(row.subject.p50, 2),
        fmt(row.subject.p99, 2),
        fmt(row.baseline.p50, 2),
        fmt(row.baseline.p99, 2),
        fmt(row.ratio, 2),
    ])));
    out.push("");

    const rows = r.analyzeStack.rows;
    out.push(`AnalyzeStack over gRPC (median of ${rows.map((row) => row.subjectMs.samples.length).join(" and ")}; "first" is the first call, as a preview makes it)`);
    out.push(table(["resources", "request MB", "diags", "first ms", "ms", "resources/s", "baseline ms", "own ms"], rows.map((row) => [
        row.resources.toLocaleString("en-US"),
        fmt(row.requestMb, 1),
        String(row.diagnostics),
        fmt(row.subjectMs.samples[0], 1),
        fmt(row.subjectMs.median, 1),
        Math.round(row.perSecond).toLocaleString("en-US"),
        fmt(row.baselineMs.median, 1),
        fmt(row.ownMs, 1),
    ])));
    const sizes = `${rows[rows.length - 1].resources.toLocaleString("en-US")}/${rows[0].resources.toLocaleString("en-US")}`;
    out.push(`time ratio ${sizes}: ${fmt(r.analyzeStack.ratio, 2)}; baseline ${fmt(r.analyzeStack.baselineRatio, 2)} (the SDK's decoding alone); ` +
        `the pack's own ms ${r.analyzeStack.ownRatio === null ? "n/a (within noise)" : fmt(r.analyzeStack.ownRatio, 2)}; linear ${fmt(rows[rows.length - 1].resources / rows[0].resources, 0)}`);
    out.push("");

    out.push("Data sets loaded by rules (fresh node process)");
    out.push(table(["data set", "loader", "require ms", "load ms", "heap MiB"], r.dataSets.map((d) => [
        d.name,
        d.loader ?? "n/a",
        d.requireMs === undefined ? "n/a" : fmt(d.requireMs, 1),
        d.loadMs === undefined ? "n/a" : fmt(d.loadMs, 1),
        d.heapMb === undefined ? "n/a" : fmt(d.heapMb, 1),
    ])));
    out.push("");
    return out;
}
