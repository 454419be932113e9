import { createHash } from "crypto";
import * as path from "path";
import { pathToFileURL } from "url";
import { isWithin } from "../dry-run/project";
import type { PolicyMetadata, Report, StackReport, Violation } from "./report";

/**
 * SARIF 2.1.0 for GitHub code scanning: one rule per policy (metadata from the pack), one result
 * per violation with `ruleId` = policy name, level `error` (mandatory) or `warning` (advisory),
 * a message that names the resource, and a location in the program (the constructor call that
 * names the resource, else the entry file's first line: code scanning needs a line for every result).
 *
 * Every artifact location is a relative reference resolved against a base in `originalUriBaseIds`,
 * as SARIF 3.4.4 requires (Microsoft's multitool rejects an absolute path under a base: SARIF1004):
 * `%SRCROOT%` is the working directory, and a program outside it gets a base of its own.
 */

const SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const SRCROOT = "%SRCROOT%";

/** The notification of a dry run that could not see everything: a component built by a provider plugin, a chart, a data source. */
const NOT_SEEN = {
    id: "incomplete-dry-run",
    name: "IncompleteDryRun",
    shortDescription: { text: "Part of the stack was not seen by the dry run" },
    fullDescription: {
        text: "The dry run runs the program with mocks: the resources of a component built inside a provider plugin (registered as remote), " +
            "of a Helm chart or kustomize directory it does not render, and what the program builds from a data source it does not answer " +
            "are not checked by it. `pulumi preview --policy-pack` checks them.",
    },
    defaultConfiguration: { level: "warning" },
};

// GitHub ranks alerts by a CVSS-like score when a rule is tagged "security".
const SECURITY_SEVERITY: Record<string, string> = { low: "3.0", medium: "5.5", high: "8.0", critical: "9.5" };

function ruleName(policy: string): string {
    return policy.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join("");
}

function rule(policy: PolicyMetadata) {
    const level = policy.enforcementLevel === "advisory" ? "warning" : policy.enforcementLevel === "disabled" ? "none" : "error";
    return {
        id: policy.name,
        name: ruleName(policy.name),
        shortDescription: { text: policy.displayName || policy.name },
        fullDescription: { text: policy.description },
        help: {
            text: policy.remediationSteps || policy.description,
            markdown: `${policy.description}\n\n**How to fix:** ${policy.remediationSteps || "see the message."}`,
        },
        ...(policy.url ? { helpUri: policy.url } : {}),
        defaultConfiguration: { level, enabled: policy.enforcementLevel !== "disabled" },
        properties: {
            tags: ["security", "pulumi", ...policy.tags.filter((t) => t !== "security")],
            precision: "very-high",
            ...(policy.severity ? { "security-severity": SECURITY_SEVERITY[policy.severity] } : {}),
        },
    };
}

/** A relative path as a URI reference: each segment percent-encoded, so `#`, `?` or `%` in a name stay part of it. */
function relativeReference(relative: string): string {
    return relative.split(path.sep).join("/").split("/").map(encodeURIComponent).join("/");
}

/** A directory as an absolute `file:` URI ending in `/`, as a base URI must (SARIF 3.14.14). */
function directoryUri(dir: string): string {
    const href = pathToFileURL(dir).href;
    return href.endsWith("/") ? href : `${href}/`;
}

interface ArtifactLocation {
    uri: string;
    uriBaseId: string;
}

/**
 * Paths in a report are relative to the working directory, or absolute when they are outside it.
 * An absolute one is made relative to the program directory that holds it (else its own
 * directory), and each such directory is a base named `PROGRAM<n>`.
 */
class ArtifactBases {
    private readonly outside = new Map<string, string>();

    constructor(private readonly programDirs: readonly string[]) {}

    locate(file: string): ArtifactLocation {
        if (!path.isAbsolute(file)) {
            return { uri: relativeReference(file), uriBaseId: SRCROOT };
        }
        const root = this.programDirs
            .filter((dir) => isWithin(file, dir))
            .sort((a, b) => b.length - a.length)[0] ?? path.dirname(file);
        let id = this.outside.get(root);
        if (!id) {
            id = `PROGRAM${this.outside.size + 1}`;
            this.outside.set(root, id);
        }
        return { uri: relativeReference(path.relative(root, file)), uriBaseId: id };
    }

    originalUriBaseIds(): Record<string, { uri: string; description?: { text: string } }> {
        const bases: Record<string, { uri: string; description?: { text: string } }> = {
            [SRCROOT]: { uri: directoryUri(process.cwd()), description: { text: "the working directory of the run" } },
        };
        for (const [dir, id] of this.outside) {
            bases[id] = { uri: directoryUri(dir), description: { text: `${dir}, outside the working directory` } };
        }
        return bases;
    }
}

function physicalLocation(bases: ArtifactBases, file: string, line: number) {
    return { artifactLocation: bases.locate(file), region: { startLine: line } };
}

function whereDeclared(bases: ArtifactBases, stack: StackReport, violation: Violation, fallbackFile: string | undefined) {
    const at = violation.location ?? (stack.entry ? { file: stack.entry, line: 1 } : fallbackFile ? { file: fallbackFile, line: 1 } : undefined);
    return at ? [{
        physicalLocation: physicalLocation(bases, at.file, at.line),
        logicalLocations: [{ name: violation.name, fullyQualifiedName: violation.urn, kind: "resource" }],
    }] : [];
}

function fingerprint(violation: Violation): string {
    return createHash("sha256").update([violation.policy, violation.urn, violation.path ?? "", violation.message].join("\u0000")).digest("hex");
}

/** The pack and config digests a result can be traced to; see README "Traceability". */
function provenance(report: Report): Record<string, string> {
    const configs = [...new Set(report.stacks.flatMap((s) => (s.configDigest ? s.configDigest.split(", ") : [])))];
    return {
        ...(report.policyPack.packDigest ? { packDigest: report.policyPack.packDigest } : {}),
        ...(configs.length > 0 ? { configDigest: configs.join(", ") } : {}),
    };
}

/**
 * @param fallbackFile where results point when a stack has no program (reports without `--program`).
 */
export function renderSarif(report: Report, options: { fallbackFile?: string } = {}): string {
    const ruleIndex = new Map(report.policies.map((p, i) => [p.name, i]));
    const bases = new ArtifactBases(report.stacks.flatMap((s) => (s.program && path.isAbsolute(s.program) ? [s.program] : [])));
    const rules = report.policies.map(rule);
    const results = report.stacks.flatMap((stack) => stack.violations.map((v) => {
        let index = ruleIndex.get(v.policy);
        if (index === undefined) {
            // A policy the installed pack no longer lists (an older report): keep the result, with a minimal rule.
            index = rules.length;
            ruleIndex.set(v.policy, index);
            rules.push(rule({ name: v.policy, displayName: v.policy, description: v.policy, enforcementLevel: v.level, remediationSteps: "", tags: [] }));
        }
        return {
            ruleId: v.policy,
            ruleIndex: index,
            level: v.level === "mandatory" ? "error" : "warning",
            message: { text: `[${v.level}] ${v.policy} (${v.name}: ${v.type}): ${v.message}` },
            locations: whereDeclared(bases, stack, v, options.fallbackFile),
            partialFingerprints: { "immutableGuardFinding/v1": fingerprint(v) },
            properties: {
                urn: v.urn,
                resourceName: v.name,
                resourceType: v.type,
                project: stack.project,
                stack: stack.stack,
                ...(v.path ? { propertyPath: v.path } : {}),
                ...(stack.configDigest ? { configDigest: stack.configDigest } : {}),
            },
        };
    }));
    const failures = report.stacks.filter((s) => s.error !== undefined).map((s) => ({
        level: "error",
        message: { text: `${s.program ?? `${s.project}/${s.stack}`} could not be analyzed: ${s.error}` },
        ...(s.entry ? { locations: [{ physicalLocation: physicalLocation(bases, s.entry, 1) }] } : {}),
    }));
    // What the dry run could not see is a warning of the run itself, never a result: nothing was found wrong with it.
    const unseen = report.stacks.flatMap((s) => (s.incomplete ?? []).map((item) => {
        const at = item.location ?? (s.entry ? { file: s.entry, line: 1 } : undefined);
        return {
            level: "warning",
            message: { text: `${s.program ?? `${s.project}/${s.stack}`}: not seen by the dry run: ${item.message}` },
            descriptor: { id: NOT_SEEN.id, index: 0 },
            ...(at ? { locations: [{ physicalLocation: physicalLocation(bases, at.file, at.line) }] } : {}),
            properties: { kind: item.kind, type: item.type, ...(item.name ? { name: item.name } : {}), ...(item.urn ? { urn: item.urn } : {}), project: s.project, stack: s.stack },
        };
    }));
    const sarif = {
        $schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: [{
            tool: {
                driver: {
                    name: report.tool.name,
                    version: report.tool.version,
                    semanticVersion: report.tool.version,
                    properties: provenance(report),
                    rules,
                    notifications: [NOT_SEEN],
                },
            },
            invocations: [{
                executionSuccessful: failures.length === 0,
                toolExecutionNotifications: [...failures, ...unseen],
                // Where code scanning finds the checkout when a location is not under %SRCROOT%.
                workingDirectory: { uri: directoryUri(process.cwd()) },
                ...(unseen.length > 0 ? { properties: { incomplete: true } } : {}),
            }],
            // After every location above is made: a location outside the working directory adds its base.
            originalUriBaseIds: bases.originalUriBaseIds(),
            columnKind: "utf16CodeUnits",
            results,
        }],
    };
    return JSON.stringify(sarif, null, 2) + "\n";
}
