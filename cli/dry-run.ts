/**
 * `immutable-guard dry-run <program-dir>...`: runs Pulumi programs with mocked providers and
 * sends what they register through the pack exactly as `pulumi preview --policy-pack` would.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PolicyPackProcess, type AnalyzedResource, type ReturnedDiagnostic } from "./analyzer-client";
import { analyzedStack, type Unseen } from "./dry-run/captured-stack";
import { readMocks, type MockAnswers } from "./dry-run/mocks";
import { displayPath, loadProject, parseConfigValues, programDirectories, ProgramError, type ConfigValue, type ProgramProject } from "./dry-run/project";
import { runProgram, withLimit, type ProgramRun } from "./dry-run/run-program";
import { typeCheck } from "./dry-run/type-check";
import { parseCommandLine, UsageError } from "./command-line";
import { parseFormat, writeReport } from "./output/write";
import { finishReport, policyMetadata, REPORT_SCHEMA_VERSION, type NotSeen, type Report, type StackReport, type Violation } from "./output/report";
import { SourceIndex, withProgramVariable } from "./output/source-locations";
import { readPolicyPackConfig, reconcilePolicyPackConfig, settingsWithLevels, type PackConfig } from "./policy-config";
import { urnParts } from "../rules/lib/lock";
import { configDigest } from "../rules/lib/config-digest";
import { packDigestOf, packRoot } from "../rules/lib/pack-package";
import { REPORT_ENV, type Diagnostic } from "../rules/lib/policy";

const PROGRAM_TIMEOUT_MS = 5 * 60 * 1000;
const ORGANIZATION = "organization";

export interface DryRunOptions {
    programs: string[];
    /** A policy-pack config for every program; without it each program's `policy-config.json` is used. */
    config?: string;
    stack?: string;
    /** Stack config given on the command line; it wins over `Pulumi.<stack>.yaml`. */
    configValues?: readonly ConfigValue[];
    mode: "preview" | "up";
    /** Skip type checking, like PULUMI_NODEJS_TRANSPILE_ONLY=true for `pulumi preview`. */
    transpileOnly: boolean;
    softFail?: boolean;
    /** A file of the user's answers to data sources (see cli/dry-run/mocks.ts). */
    mocks?: string;
    /** Exit 2 when the dry run could not see everything (a remote component, a chart, a data source). */
    failIncomplete?: boolean;
    /** The pack to start, as `pulumi preview --policy-pack <dir>` takes it (an installed pack, say); default: this package. */
    policyPack?: string;
    /** Called with one line per program as it finishes (the command prints them on a terminal). */
    onProgress?: (line: string) => void;
}

/** The pack's own report lines carry each finding's property path, which gRPC diagnostics do not. */
function readPaths(file: string): Map<string, string> {
    const paths = new Map<string, string>();
    const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    for (const line of text.split("\n")) {
        if (line.trim()) {
            const entry = JSON.parse(line) as Diagnostic;
            paths.set([entry.policyName, entry.urn, entry.message].join("\u0000"), entry.path);
        }
    }
    return paths;
}

type Loaded = { dir: string; project: ProgramProject } | { dir: string; error: string };

interface Analysis {
    pack: PolicyPackProcess;
    packDir: string;
    info: Awaited<ReturnType<PolicyPackProcess["getAnalyzerInfo"]>>;
    reportFile: string;
    explicitConfig?: { file: string; config: PackConfig };
    preview: boolean;
}

function levelOf(diagnostic: ReturnedDiagnostic): Violation["level"] | undefined {
    // The engine treats a remediation policy's leftover violation as mandatory.
    return diagnostic.enforcementLevel === "advisory" ? "advisory" : diagnostic.enforcementLevel === "disabled" ? undefined : "mandatory";
}

/** Where the program declares what was not seen: a component by its logical name; a data source has no name to look for. */
function located(unseen: readonly Unseen[], project: ProgramProject): NotSeen[] {
    const sources = SourceIndex.forProgram(project.dir, project.entry);
    return unseen.map((item) => {
        const at = item.kind === "component" && item.name ? sources.locate(item.name, item.type) : undefined;
        return at ? { ...item, location: { file: displayPath(at.file), line: at.line } } : { ...item };
    });
}

async function analyzeProgram(project: ProgramProject, run: ProgramRun & { ok: true }, analysis: Analysis): Promise<StackReport> {
    const base: StackReport = {
        program: project.displayDir,
        entry: displayPath(project.entry),
        project: project.project,
        stack: project.stack,
        description: project.description,
        notes: run.notes,
        incomplete: located(run.unseen, project),
        violations: [],
    };
    let config: PackConfig = {};
    if (analysis.explicitConfig) {
        config = analysis.explicitConfig.config;
        base.config = displayPath(analysis.explicitConfig.file);
    } else if (project.policyConfigFile) {
        base.config = displayPath(project.policyConfigFile);
        try {
            config = readPolicyPackConfig(project.policyConfigFile).config;
        } catch (e) {
            return { ...base, error: (e as Error).message };
        }
    }
    const reconciled = reconcilePolicyPackConfig(analysis.info.policies, analysis.info.initialConfig, config);
    if (!reconciled.config) {
        return { ...base, error: `invalid policy config: ${reconciled.problems.join("; ")}` };
    }
    const { pack } = analysis;
    // In the order the CLI uses: the stack when the pack is loaded, then the reconciled config.
    await pack.configureStack({
        stack: project.stack,
        project: project.project,
        organization: ORGANIZATION,
        dryRun: analysis.preview,
        tags: { "pulumi:project": project.project, "pulumi:runtime": "nodejs", ...(project.description ? { "pulumi:description": project.description } : {}) },
    });
    try {
        await pack.configure(settingsWithLevels(reconciled.config));
    } catch (e) {
        return { ...base, error: `the pack refused the policy config: ${(e as { details?: string }).details ?? (e as Error).message}` };
    }
    base.configDigest = configDigest(analysis.info.policies, reconciled.config, analysis.packDir);

    fs.writeFileSync(analysis.reportFile, "");
    const stack = analyzedStack(run.resources, project);
    const byUrn = new Map(stack.resources.map((r) => [r.urn, r]));
    const rootUrn = stack.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn;
    const found: { diagnostic: ReturnedDiagnostic; resource: AnalyzedResource | undefined; urn: string }[] = [];
    for (const resource of stack.resources) {
        for (const diagnostic of await pack.analyze(resource)) {
            found.push({ diagnostic, resource, urn: diagnostic.urn || resource.urn });
        }
    }
    for (const diagnostic of await pack.analyzeStack(stack.stackResources)) {
        // A stack policy's finding without a resource belongs to the stack, as the engine attributes it.
        const urn = diagnostic.urn || rootUrn || "";
        found.push({ diagnostic, resource: byUrn.get(urn), urn });
    }

    const paths = readPaths(analysis.reportFile);
    const sources = SourceIndex.forProgram(project.dir, project.entry);
    for (const { diagnostic, resource, urn } of found) {
        const level = levelOf(diagnostic);
        if (!level) {
            continue;
        }
        const parts = urnParts(urn);
        const name = resource?.name ?? parts?.name ?? urn;
        const type = resource?.type ?? parts?.type ?? "";
        const at = sources.declaration(name, type);
        const propertyPath = paths.get([diagnostic.policyName, urn, diagnostic.message].join("\u0000"));
        base.violations.push({
            policy: diagnostic.policyName,
            level,
            urn,
            name,
            type,
            ...(propertyPath ? { path: propertyPath } : {}),
            message: withProgramVariable(diagnostic.message, name, at),
            location: { file: displayPath(at.file), line: at.line },
        });
    }
    return { ...base, resources: stack.resources.length };
}

function loadPrograms(dirs: readonly string[], stack: string | undefined, configValues: readonly ConfigValue[] = []): Loaded[] {
    return dirs.map((dir) => {
        try {
            return { dir, project: loadProject(dir, stack, configValues) };
        } catch (e) {
            if (e instanceof ProgramError) {
                return { dir, error: e.message };
            }
            throw e;
        }
    });
}

/** A program that could not be analyzed, with what it could not show before it failed (often the reason). */
function failedStack(dir: string, error: string, project?: ProgramProject, run?: ProgramRun): StackReport {
    return {
        program: displayPath(dir),
        ...(project ? { entry: displayPath(project.entry), description: project.description } : {}),
        project: project?.project ?? path.basename(dir),
        stack: project?.stack ?? "",
        error,
        notes: [],
        ...(project && run ? { incomplete: located(run.unseen, project) } : {}),
        violations: [],
    };
}

export async function dryRun(options: DryRunOptions): Promise<Report> {
    const explicitConfig = options.config ? { file: path.resolve(options.config), config: readPolicyPackConfig(options.config).config } : undefined;
    const mocks: MockAnswers | undefined = options.mocks ? readMocks(options.mocks) : undefined;
    const loaded = loadPrograms(programDirectories(options.programs), options.stack, options.configValues);
    const projects = loaded.flatMap((l) => ("project" in l ? [l.project] : []));
    if (!packRoot) {
        throw new Error("cannot find the immutable-guard package directory");
    }
    // The programs run, and are type-checked, with this package's tools; the pack analyzing them may be another.
    const toolsDir = packRoot;
    const packDir = options.policyPack ? path.resolve(options.policyPack) : packRoot;
    const preview = options.mode === "preview";

    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "immutable-guard-dry-run-"));
    const reportFile = path.join(scratch, "diagnostics.jsonl");
    // The user's own IMMUTABLE_GUARD_REPORT is not written to by a dry run: the pack gets a scratch file.
    const packStarting = PolicyPackProcess.start(packDir, { env: { [REPORT_ENV]: reportFile } });
    const typeErrors = options.transpileOnly
        ? Promise.resolve(new Map<string, string[]>())
        : typeCheck(projects.filter((p) => p.typescript && /\.[cm]?ts$/.test(p.entry)).map((p) => ({ dir: p.dir, entry: p.entry, tsconfig: p.tsconfig, esm: p.esm })), toolsDir);
    // Swallowed here and awaited below, so a failure is reported in order rather than as an unhandled rejection.
    typeErrors.catch(() => undefined);
    const concurrency = Math.max(1, Math.min(os.cpus().length, 4));
    const runs = withLimit(projects, concurrency, (p) => runProgram(p, { preview, organization: ORGANIZATION, packDir: toolsDir, timeoutMs: PROGRAM_TIMEOUT_MS, mocks }));
    const runOf = new Map(projects.map((p, i) => [p.dir, runs[i]]));

    let pack: PolicyPackProcess | undefined;
    try {
        pack = await packStarting;
        const info = await pack.getAnalyzerInfo();
        const analysis: Analysis = { pack, packDir, info, reportFile, explicitConfig, preview };
        const stacks: StackReport[] = [];
        for (const entry of loaded) {
            if ("error" in entry) {
                stacks.push(failedStack(entry.dir, entry.error));
                continue;
            }
            const { project } = entry;
            const run = await runOf.get(project.dir)!;
            let stack: StackReport;
            const errors = await typeErrors.then((m) => m.get(project.dir) ?? [], (e: Error) => [`type checking failed: ${e.message}`]);
            if (errors.length > 0) {
                stack = failedStack(project.dir, `the program does not compile:\n${errors.join("\n")}`, project, run);
            } else if (!run.ok) {
                stack = failedStack(project.dir, run.error, project, run);
            } else {
                stack = await analyzeProgram(project, run, analysis);
            }
            options.onProgress?.(progressLine(stack, run.ms));
            stacks.push(stack);
        }
        return finishReport({
            schemaVersion: REPORT_SCHEMA_VERSION,
            tool: { name: "immutable-guard", version: info.version },
            policyPack: { name: info.name, version: info.version, ...withDigest(packDigestOf(packDir)) },
            source: "dry-run",
            mode: options.mode,
            policies: info.policies.map(policyMetadata),
            stacks,
        }, { softFail: options.softFail, failIncomplete: options.failIncomplete });
    } finally {
        await pack?.stop();
        await Promise.allSettled(runs);
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

function withDigest(digest: string | null): { packDigest?: string } {
    return digest ? { packDigest: digest } : {};
}

function progressLine(stack: StackReport, ms: number): string {
    if (stack.error !== undefined) {
        return `✗ ${stack.program}: could not be analyzed`;
    }
    const mandatory = stack.violations.filter((v) => v.level === "mandatory").length;
    const advisory = stack.violations.length - mandatory;
    const unseen = stack.incomplete?.length ? `, ${stack.incomplete.length} not seen` : "";
    return `${mandatory > 0 ? "✗" : "✓"} ${stack.program}: ${stack.resources} resources, ${mandatory} mandatory, ${advisory} advisory${unseen} (${(ms / 1000).toFixed(1)} s)`;
}

export async function run(args: string[]): Promise<number> {
    const { values, positionals } = parseCommandLine(args, {
        config: { type: "string" },
        format: { type: "string", default: "text" },
        stack: { type: "string" },
        "config-value": { type: "string", multiple: true },
        mode: { type: "string", default: "preview" },
        "transpile-only": { type: "boolean", default: false },
        "soft-fail": { type: "boolean", default: false },
        mocks: { type: "string" },
        "fail-incomplete": { type: "boolean", default: false },
        "policy-pack": { type: "string" },
    });
    if (positionals.length === 0) {
        throw new UsageError(`name at least one program directory; see immutable-guard --help`);
    }
    const policyPack = values["policy-pack"];
    if (policyPack !== undefined && !fs.existsSync(path.join(policyPack, "PulumiPolicy.yaml"))) {
        throw new UsageError(`--policy-pack ${policyPack} is not a policy pack directory (no PulumiPolicy.yaml)`);
    }
    const format = parseFormat(values.format);
    if (values.mode !== "preview" && values.mode !== "up") {
        throw new UsageError(`--mode must be preview or up, not "${values.mode}"`);
    }
    const report = await dryRun({
        programs: positionals,
        config: values.config,
        stack: values.stack,
        configValues: parseConfigValues(values["config-value"] ?? []),
        mode: values.mode,
        transpileOnly: values["transpile-only"] || process.env.PULUMI_NODEJS_TRANSPILE_ONLY === "true",
        softFail: values["soft-fail"],
        mocks: values.mocks,
        failIncomplete: values["fail-incomplete"],
        policyPack,
        onProgress: process.stderr.isTTY ? (line) => process.stderr.write(`${line}\n`) : undefined,
    });
    writeReport(report, format, { softFail: values["soft-fail"], failIncomplete: values["fail-incomplete"] });
    return report.exitCode;
}
