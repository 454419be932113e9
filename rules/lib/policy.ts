import * as fs from "fs";
import type {
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { configDigestInForce } from "./config-digest";
import { exemptionsSchema, findExemption, parseExemptions, type Exemption } from "./exemptions";
import type { Guard } from "./locked-settings";
import { packDigest, packVersion } from "./pack-package";
import { plain } from "./unknowns";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

export type Props = Record<string, unknown>;

/**
 * What a rule sees of one resource: plain properties (unknowns as sentinels) and the options that
 * matter. Every policy of a request sees the same objects (see sdk-deserialization.ts): read, never change.
 */
export interface ResourceView {
    type: string;
    urn: string;
    name: string;
    props: Props;
    opts: { ignoreChanges: string[]; protect: boolean; parent?: string; aliases: string[] };
    provider?: { type: string; urn: string; name: string; props: Props };
    /** URNs this resource depends on (stack validation only; empty in resource validation). */
    dependencies: string[];
    /** URNs each input property depends on (stack validation only). */
    propertyDependencies: Record<string, string[]>;
}

/** One problem a rule found, at a property path, with the fix in the message. */
export interface Finding {
    path: string;
    message: string;
    /** Reported as advisory whatever the policy's level: something that cannot be decided yet. */
    advisory?: boolean;
}

/** A stack rule's finding names the resource it is about. */
export interface StackFinding extends Finding {
    resource: ResourceView;
}

/** A config value that cannot be used; the policy then fails closed on every resource it covers. */
export class ConfigError extends Error {}

interface PolicyMeta<C> {
    name: string;
    displayName: string;
    description: string;
    severity: Severity;
    enforcementLevel?: EnforcementLevel;
    remediationSteps: string;
    framework?: PolicyComplianceFramework;
    tags?: string[];
    /** Policy-specific config keys; `exemptions` is added to every policy. */
    config: Record<string, PolicyConfigJSONSchema>;
    /** Turns raw config (defaults not yet applied) into what the check uses; throws ConfigError on bad values. */
    readConfig: (raw: Props) => C;
    /** Settings the lock records and holds: a config in force that is weaker than the lock's is reported. */
    guards?: Readonly<Record<string, Guard>>;
    /** The config the guarded settings are read from, when the policy also reads another policy's. */
    settingsConfig?: (own: Props, pack: Readonly<Record<string, Props>>) => Props;
}

export interface ResourceRule<C> extends PolicyMeta<C> {
    /** Cheap test on the type token, run before anything else. */
    appliesTo: (type: string) => boolean;
    check: (resource: ResourceView, config: C) => Iterable<Finding>;
}

export interface StackRule<C> extends PolicyMeta<C> {
    check: (resources: readonly ResourceView[], config: C) => Iterable<StackFinding>;
}

/** A diagnostic as the pack reports it, also written to the report file. */
export interface Diagnostic {
    policyName: string;
    enforcementLevel: "advisory" | "mandatory";
    urn: string;
    name: string;
    type: string;
    path: string;
    message: string;
}

// ---------------------------------------------------------------------------------------------
// Enforcement levels set by config, recorded at Configure so reports show the level in force.

const configuredLevels = new Map<string, EnforcementLevel>();

export function setConfiguredLevels(levels: ReadonlyMap<string, EnforcementLevel>): void {
    configuredLevels.clear();
    levels.forEach((level, policy) => configuredLevels.set(policy, level));
}

function effectiveLevel(meta: PolicyMeta<unknown>, finding: Finding): "advisory" | "mandatory" {
    if (finding.advisory) {
        return "advisory";
    }
    const level = configuredLevels.get(meta.name) ?? meta.enforcementLevel ?? "mandatory";
    return level === "advisory" ? "advisory" : "mandatory";
}

// ---------------------------------------------------------------------------------------------
// Findings about the pack's config as a whole (settings weaker than the lock's), decided at Configure.

export const STACK_TYPE = "pulumi:pulumi:Stack";

export interface PackFindings {
    /**
     * The one policy that reports them, chosen among those that run (see settings-check.ts): the engine
     * skips a disabled policy, so no fixed policy could report that it, or another, was disabled.
     */
    reporter?: string;
    /** `urn:pulumi:<stack>::<project>::` of the stack they are about; absent, any stack. */
    urnPrefix?: string;
    findings: Finding[];
}

let packFindings: PackFindings = { findings: [] };

export function setPackFindings(findings: PackFindings): void {
    packFindings = findings;
}

/**
 * The pack's findings as the reporter's diagnostics on the stack resource. They are mandatory whatever
 * the reporter's own level, and no exemption waives them: an exemption is itself one of the settings held.
 */
function packDiagnostics(meta: PolicyMeta<unknown>, stack: { urn: string; name: string; type: string }): Diagnostic[] {
    const { reporter, urnPrefix, findings } = packFindings;
    if (reporter !== meta.name || (urnPrefix !== undefined && !stack.urn.startsWith(urnPrefix))) {
        return [];
    }
    return findings.map((f) => ({
        policyName: meta.name,
        enforcementLevel: f.advisory ? "advisory" : "mandatory",
        urn: stack.urn,
        name: stack.name,
        type: stack.type,
        path: f.path,
        message: formatMessage(stack, f),
    }));
}

// ---------------------------------------------------------------------------------------------
// Report file: `pulumi preview --json` carries no policy results, so the pack can write its own.

export const REPORT_ENV = "IMMUTABLE_GUARD_REPORT";

/** What ties a report line to the exact pack and config that produced it (null when unknown). */
export interface Provenance {
    packDigest: string | null;
    configDigest: string | null;
}

function appendToReport(diagnostic: Diagnostic): void {
    const file = process.env[REPORT_ENV];
    if (!file) {
        return;
    }
    try {
        const provenance: Provenance = { packDigest: packDigest(), configDigest: configDigestInForce() };
        const line = { policyPack: "immutable-guard", policyPackVersion: packVersion, ...provenance, ...diagnostic };
        fs.appendFileSync(file, JSON.stringify(line) + "\n");
    } catch {
        // A report that cannot be written must not fail the deployment it describes.
    }
}

// ---------------------------------------------------------------------------------------------

// getConfig returns a fresh copy on every call, but the values inside are the same objects until
// the next Configure; remembering the last parse by those identities keeps a large lock parsed once.
function memoizeConfig<C>(read: (raw: Props) => C): (raw: Props) => { config?: C; problems: string[]; exemptions: Exemption[] } {
    let lastRaw: Props | undefined;
    let lastResult: { config?: C; problems: string[]; exemptions: Exemption[] } | undefined;
    return (raw: Props) => {
        if (lastRaw && lastResult && sameValues(lastRaw, raw)) {
            return lastResult;
        }
        const { exemptions, problems } = parseExemptions(raw.exemptions);
        let config: C | undefined;
        try {
            config = read(raw);
        } catch (e) {
            if (!(e instanceof ConfigError)) {
                throw e;
            }
            problems.push(e.message);
        }
        lastRaw = raw;
        lastResult = { config, problems, exemptions };
        return lastResult;
    };
}

function sameValues(a: Props, b: Props): boolean {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

function describe(resource: { name: string; type: string }): string {
    return `${resource.name} (${resource.type})`;
}

function formatMessage(resource: { name: string; type: string }, finding: Finding): string {
    const where = finding.path ? `${finding.path} of ${describe(resource)}` : describe(resource);
    return `${where}: ${finding.message}`;
}

// A resource with thousands of problems (a generated list, say) must not flood the preview.
const MAX_FINDINGS_PER_RESOURCE = 20;

/**
 * Turns findings for one resource into diagnostics, applying exemptions: an exemption in force
 * replaces the resource's findings with one advisory that says what it waived; one that is
 * expired or has no reason waives nothing and is reported.
 */
function judge(
    meta: PolicyMeta<unknown>,
    resource: { urn: string; name: string; type: string },
    findings: Finding[],
    exemptions: readonly Exemption[],
): Diagnostic[] {
    const base = { policyName: meta.name, urn: resource.urn, name: resource.name, type: resource.type };
    const verdict = exemptions.length > 0 ? findExemption(exemptions, resource.urn) : { kind: "none" as const };
    if (verdict.kind === "applies") {
        if (findings.length === 0) {
            return [];
        }
        const { exemption } = verdict;
        const waived = findings.map((f) => f.path || "(resource)").join(", ");
        return [{
            ...base,
            enforcementLevel: "advisory",
            path: "",
            message: `${describe(resource)}: exempted by "${exemption.urn}" until ${exemption.expires} ` +
                `(reason: ${exemption.reason}); waived findings at ${waived}.`,
        }];
    }
    const shown = findings.length > MAX_FINDINGS_PER_RESOURCE ? findings.slice(0, MAX_FINDINGS_PER_RESOURCE - 1) : findings;
    const out: Diagnostic[] = shown.map((f) => ({
        ...base,
        enforcementLevel: effectiveLevel(meta, f),
        path: f.path,
        message: formatMessage(resource, f),
    }));
    if (shown.length < findings.length) {
        const rest = findings.slice(shown.length);
        out.push({
            ...base,
            enforcementLevel: rest.some((f) => effectiveLevel(meta, f) === "mandatory") ? "mandatory" : "advisory",
            path: "",
            message: `${describe(resource)}: ${rest.length} more findings of this policy, at ${rest.slice(0, 5).map((f) => f.path).join(", ")}` +
                `${rest.length > 5 ? ", …" : ""}; fix the ones above and run again to see them.`,
        });
    }
    if (verdict.kind === "ignored") {
        out.push({
            ...base,
            enforcementLevel: "advisory",
            path: "",
            message: `${describe(resource)}: exemption "${verdict.exemption.urn}" does not apply because ${verdict.why}; ` +
                "renew it with a reason and a future expiry date, or remove it.",
        });
    }
    return out;
}

// The SDK's reporter also accepts an object (server.ts makeReportViolationFun), which is the only
// way to report an advisory note from a mandatory policy; its published type declares the string form.
type ObjectReport = (violation: { message: string; urn?: string; enforcementLevel?: EnforcementLevel }) => void;

function emit(report: ReportViolation, diagnostic: Diagnostic, withUrn: boolean): void {
    appendToReport(diagnostic);
    (report as unknown as ObjectReport)({
        message: diagnostic.message,
        urn: withUrn ? diagnostic.urn : undefined,
        enforcementLevel: diagnostic.enforcementLevel,
    });
}

function configFailure(meta: PolicyMeta<unknown>, problems: string[]): Finding {
    return {
        path: "",
        message: `not evaluated because the ${meta.name} policy config is invalid (${problems.join("; ")}); ` +
            "fix the policy pack config. Until then this resource is reported rather than passed.",
    };
}

function internalFailure(error: unknown): Finding {
    // Only the error's kind: messages of parse errors can quote property values, which may be secret.
    const kind = error instanceof Error ? error.name : typeof error;
    return {
        path: "",
        message: `could not be evaluated (${kind}); it is reported rather than passed. ` +
            "Please report this to the immutable-guard maintainers with the resource type.",
    };
}

// Shared settings (the flag rules) are read when a check runs, so an unusable one surfaces there.
function failureOf(meta: PolicyMeta<unknown>, error: unknown): Finding {
    return error instanceof ConfigError ? configFailure(meta, [error.message]) : internalFailure(error);
}

function schemaOf(meta: PolicyMeta<unknown>) {
    return { properties: { ...meta.config, exemptions: exemptionsSchema as unknown as PolicyConfigJSONSchema } };
}

function policyFields(meta: PolicyMeta<unknown>) {
    return {
        name: meta.name,
        displayName: meta.displayName,
        description: meta.description,
        enforcementLevel: meta.enforcementLevel ?? "mandatory",
        severity: meta.severity,
        remediationSteps: meta.remediationSteps,
        framework: meta.framework,
        tags: meta.tags,
        configSchema: schemaOf(meta),
    };
}

function resourceView(
    args: Pick<ResourceValidationArgs, "type" | "urn" | "name" | "props" | "opts" | "provider">,
    dependencies: string[] = [],
    propertyDependencies: Record<string, string[]> = {},
): ResourceView {
    const opts = plain(args.opts) ?? { ignoreChanges: [], protect: false, aliases: [] };
    const provider = args.provider
        ? { type: args.provider.type, urn: args.provider.urn, name: args.provider.name, props: plain(args.provider.props) ?? {} }
        : undefined;
    return {
        type: args.type,
        urn: args.urn,
        name: args.name,
        props: plain(args.props) ?? {},
        opts: {
            ignoreChanges: [...(opts.ignoreChanges ?? [])],
            protect: !!opts.protect,
            parent: opts.parent,
            aliases: [...(opts.aliases ?? [])],
        },
        provider,
        dependencies,
        propertyDependencies,
    };
}

function resourceEvaluator<C>(rule: ResourceRule<C>): (resource: ResourceView, raw: Props) => Diagnostic[] {
    const readConfig = memoizeConfig(rule.readConfig);
    return (resource, raw) => {
        const { config, problems, exemptions } = readConfig(raw);
        let findings: Finding[];
        if (config === undefined || problems.length > 0) {
            findings = [configFailure(rule, problems)];
        } else {
            try {
                findings = [...rule.check(resource, config)];
            } catch (e) {
                findings = [failureOf(rule, e)];
            }
        }
        return judge(rule, resource, findings, exemptions);
    };
}

export function defineResourcePolicy<C>(rule: ResourceRule<C>): ResourceValidationPolicy & { rule: ResourceRule<C> } {
    const evaluate = resourceEvaluator(rule);
    return {
        ...policyFields(rule),
        rule,
        validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
            if (args.type === STACK_TYPE) {
                for (const diagnostic of packDiagnostics(rule, args)) {
                    emit(report, diagnostic, false);
                }
            }
            if (!rule.appliesTo(args.type)) {
                return;
            }
            for (const diagnostic of evaluate(resourceView(args), args.getConfig<Props>())) {
                emit(report, diagnostic, false);
            }
        },
    };
}

// The SDK hands each stack policy its own resource objects, but with shareDeserializedProperties
// their properties are the same objects for every policy of one AnalyzeStack: the view built for
// the first policy serves the others. The URN and type check keeps a props object reused for two
// resources (a test fixture, say) from lending one resource's view to another.
const stackViewsByProps = new WeakMap<object, ResourceView>();

function stackView(r: PolicyResource): ResourceView {
    const props = plain(r.props) as object | undefined;
    const cached = props && stackViewsByProps.get(props);
    if (cached && cached.urn === r.urn && cached.type === r.type) {
        return cached;
    }
    const propertyDependencies: Record<string, string[]> = {};
    for (const [key, deps] of Object.entries(r.propertyDependencies ?? {})) {
        propertyDependencies[key] = deps.map((d) => d.urn);
    }
    const view = resourceView(r as unknown as ResourceValidationArgs, (r.dependencies ?? []).map((d) => d.urn), propertyDependencies);
    if (props) {
        stackViewsByProps.set(props, view);
    }
    return view;
}

export function stackViews(resources: readonly PolicyResource[]): ResourceView[] {
    return resources.map(stackView);
}

function stackEvaluator<C>(rule: StackRule<C>): (resources: readonly ResourceView[], raw: Props) => Diagnostic[] {
    const readConfig = memoizeConfig(rule.readConfig);
    return (resources, raw) => {
        const { config, problems, exemptions } = readConfig(raw);
        const stackResource = { urn: "", name: "stack", type: STACK_TYPE };
        if (config === undefined || problems.length > 0) {
            return judge(rule, stackResource, [configFailure(rule, problems)], []);
        }
        let findings: StackFinding[];
        try {
            findings = [...rule.check(resources, config)];
        } catch (e) {
            return judge(rule, stackResource, [failureOf(rule, e)], []);
        }
        const byUrn = new Map<string, { resource: ResourceView; findings: Finding[] }>();
        for (const finding of findings) {
            const entry = byUrn.get(finding.resource.urn) ?? { resource: finding.resource, findings: [] };
            entry.findings.push(finding);
            byUrn.set(finding.resource.urn, entry);
        }
        const out: Diagnostic[] = [];
        byUrn.forEach(({ resource, findings: fs }) => out.push(...judge(rule, resource, fs, exemptions)));
        return out;
    };
}

export function defineStackPolicy<C>(rule: StackRule<C>): StackValidationPolicy & { rule: StackRule<C> } {
    const evaluate = stackEvaluator(rule);
    return {
        ...policyFields(rule),
        rule,
        validateStack: (args: StackValidationArgs, report: ReportViolation) => {
            const root = args.resources.find((r) => r.type === STACK_TYPE) ?? args.resources[0];
            for (const diagnostic of root ? packDiagnostics(rule, root) : []) {
                emit(report, diagnostic, true);
            }
            for (const diagnostic of evaluate(stackViews(args.resources), args.getConfig<Props>())) {
                emit(report, diagnostic, true);
            }
        },
    };
}
