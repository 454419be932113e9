import type { PolicyDescription } from "../analyzer-client";

/**
 * The one shape both `dry-run` and `report` produce; `--format json` prints it as is. Its JSON
 * schema is schemas/dry-run-report.schema.json and docs/dry-run.md describes it: adding a field
 * is compatible, renaming or removing one is a breaking change (bump `schemaVersion`).
 */
export const REPORT_SCHEMA_VERSION = 1;

export type ReportedLevel = "mandatory" | "advisory";

export interface Violation {
    policy: string;
    level: ReportedLevel;
    urn: string;
    name: string;
    type: string;
    /** Property path the finding is about, when the pack reported one. */
    path?: string;
    message: string;
    /** Where the resource is declared: the program file and the line of the constructor call that names it. */
    location?: { file: string; line: number };
}

/**
 * Something the dry run could not see, so a clean result for the program is not the whole story:
 * a component built inside a provider plugin, a Helm chart it did not render, a data source it
 * did not answer. `pulumi preview --policy-pack` sees all of them.
 */
export interface NotSeen {
    /** `component`: registered as remote (built by its provider plugin); `chart`: a Helm chart or kustomize directory; `data-source`: an invoke. */
    kind: "component" | "chart" | "data-source";
    /** The component's type token, or the data source's invoke token. */
    type: string;
    /** The component's logical name, or the chart. */
    name?: string;
    urn?: string;
    /** What it means for the result. */
    message: string;
    /** Where the program declares it, when that can be found. */
    location?: { file: string; line: number };
}

export interface StackReport {
    /** The program directory (dry run), relative to the working directory. */
    program?: string;
    /** The program's entry file, relative to the working directory. */
    entry?: string;
    project: string;
    stack: string;
    description?: string;
    /** How many resources were analyzed (dry run only). */
    resources?: number;
    /** The policy-pack config file used, if any. */
    config?: string;
    /** The digest of the config in force (rules/lib/config-digest.ts); several, comma-separated, when a report file holds several. */
    configDigest?: string;
    /** Why the program could not be analyzed; its violations are then empty. */
    error?: string;
    /** Things the user should know that are not violations (e.g. a data source that was not simulated). */
    notes: string[];
    /** What the dry run could not see (dry run only); any entry makes the run incomplete. */
    incomplete?: NotSeen[];
    violations: Violation[];
}

export interface PolicyMetadata {
    name: string;
    displayName: string;
    description: string;
    enforcementLevel: string;
    remediationSteps: string;
    severity?: string;
    tags: string[];
    url?: string;
}

export interface Report {
    schemaVersion: typeof REPORT_SCHEMA_VERSION;
    tool: { name: "immutable-guard"; version: string };
    /** `packDigest`: the digest of the pack's manifest (cli/pack-manifest.ts), when it has one. */
    policyPack: { name: string; version: string; packDigest?: string };
    source: "dry-run" | "report";
    /** The dry run's mode: `preview` (outputs of other resources unknown) or `up`. */
    mode?: "preview" | "up";
    policies: PolicyMetadata[];
    stacks: StackReport[];
    /** `incomplete`: entries of `stacks[].incomplete`, things the dry run could not see. */
    summary: { stacks: number; resources: number; mandatory: number; advisory: number; errors: number; incomplete: number };
    exitCode: 0 | 1 | 2;
}

export function policyMetadata(policy: PolicyDescription): PolicyMetadata {
    return {
        name: policy.name,
        displayName: policy.displayName,
        description: policy.description,
        enforcementLevel: policy.enforcementLevel,
        remediationSteps: policy.remediationSteps,
        ...(policy.severity ? { severity: policy.severity } : {}),
        tags: policy.tags,
        ...(policy.url ? { url: policy.url } : {}),
    };
}

const LEVEL_ORDER: Record<ReportedLevel, number> = { mandatory: 0, advisory: 1 };

/** Mandatory first, then by policy, resource and message, so output is stable run to run. */
function compareViolations(a: Violation, b: Violation): number {
    return LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] ||
        a.policy.localeCompare(b.policy) ||
        a.name.localeCompare(b.name) ||
        a.urn.localeCompare(b.urn) ||
        a.message.localeCompare(b.message);
}

/**
 * Fills in the summary and exit code: 2 if any stack failed to load (or, with `failIncomplete`,
 * if the dry run could not see everything), else 1 on a mandatory violation.
 */
export function finishReport(
    report: Omit<Report, "summary" | "exitCode">,
    options: { softFail?: boolean; failIncomplete?: boolean } = {},
): Report {
    const all = report.stacks.flatMap((s) => s.violations);
    const summary = {
        stacks: report.stacks.length,
        resources: report.stacks.reduce((n, s) => n + (s.resources ?? 0), 0),
        mandatory: all.filter((v) => v.level === "mandatory").length,
        advisory: all.filter((v) => v.level === "advisory").length,
        errors: report.stacks.filter((s) => s.error !== undefined).length,
        incomplete: report.stacks.reduce((n, s) => n + (s.incomplete?.length ?? 0), 0),
    };
    const exitCode = summary.errors > 0 || (options.failIncomplete && summary.incomplete > 0) ? 2 : summary.mandatory > 0 && !options.softFail ? 1 : 0;
    return { ...report, stacks: report.stacks.map(inFieldOrder), summary, exitCode };
}

/** The same keys in the same order for every stack, so JSON output diffs cleanly run to run. */
function inFieldOrder(stack: StackReport): StackReport {
    const ordered: StackReport = {
        program: stack.program,
        entry: stack.entry,
        project: stack.project,
        stack: stack.stack,
        description: stack.description,
        resources: stack.resources,
        config: stack.config,
        configDigest: stack.configDigest,
        error: stack.error,
        notes: stack.notes,
        incomplete: stack.incomplete,
        violations: [...stack.violations].sort(compareViolations),
    };
    for (const key of Object.keys(ordered) as (keyof StackReport)[]) {
        if (ordered[key] === undefined) {
            delete ordered[key];
        }
    }
    return ordered;
}
