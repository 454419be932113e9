import type { NotSeen, Report, StackReport, Violation } from "./report";

/** ANSI styles, or none: colour is for terminals only. */
export interface Style {
    bold(text: string): string;
    dim(text: string): string;
    level(level: Violation["level"], text: string): string;
}

const ESC = "\x1b[";
export const COLOUR: Style = {
    bold: (t) => `${ESC}1m${t}${ESC}0m`,
    dim: (t) => `${ESC}2m${t}${ESC}0m`,
    level: (level, t) => `${ESC}${level === "mandatory" ? "31" : "33"}m${t}${ESC}0m`,
};
export const PLAIN: Style = { bold: (t) => t, dim: (t) => t, level: (_l, t) => t };

/** Colour when writing to a terminal, unless NO_COLOR is set (https://no-color.org). */
export function styleFor(stream: NodeJS.WriteStream): Style {
    return stream.isTTY && !process.env.NO_COLOR ? COLOUR : PLAIN;
}

function plural(n: number, word: string): string {
    return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function heading(stack: StackReport): string {
    const facts = [`project ${stack.project}`, `stack ${stack.stack}`];
    if (stack.resources !== undefined) {
        facts.push(plural(stack.resources, "resource"));
    }
    if (stack.config) {
        facts.push(`config ${stack.config}`);
    }
    return `${stack.program ?? `${stack.project}/${stack.stack}`}  (${facts.join(", ")})`;
}

const INDENT = "    ";

function indent(text: string): string {
    return INDENT + text.replace(/\n/g, `\n${INDENT}`);
}

/** One violation as `pulumi preview` prints it in its "Policy Violations" section. */
function violationLines(v: Violation, pack: Report["policyPack"], style: Style): string[] {
    const header = `${style.level(v.level, `[${v.level}]`)}  ${pack.name} v${pack.version}  ${style.bold(v.policy)}  (${v.name}: ${v.type})`;
    return [INDENT + header, indent(v.message)];
}

/** One thing the dry run could not see, laid out like a violation: what, which, where, then what it means. */
function notSeenLines(item: NotSeen, style: Style): string[] {
    const facts = [item.name, item.location && `${item.location.file}:${item.location.line}`].filter(Boolean);
    const header = `${style.level("advisory", `[${item.kind}]`)}  ${style.bold(item.type)}${facts.length > 0 ? `  (${facts.join(", ")})` : ""}`;
    return [INDENT + header, indent(item.message)];
}

function stackLines(stack: StackReport, report: Report, style: Style): string[] {
    const lines = [style.bold(heading(stack))];
    if (stack.description) {
        lines.push(style.dim(indent(stack.description)));
    }
    if (stack.configDigest) {
        lines.push(style.dim(indent(`config ${stack.configDigest}`)));
    }
    if (stack.error !== undefined) {
        lines.push(indent(`${style.level("mandatory", "error:")} could not be analyzed: ${stack.error}`));
    } else if (stack.violations.length === 0) {
        lines.push(indent(stack.incomplete?.length ? "No policy violations in what the dry run could see; it could not see everything (below)." : "No policy violations."));
    } else {
        lines.push(style.bold("Policy Violations:"));
        for (const v of stack.violations) {
            lines.push(...violationLines(v, report.policyPack, style));
        }
    }
    if (stack.incomplete && stack.incomplete.length > 0) {
        lines.push(style.bold("Not seen by the dry run:"));
        for (const item of stack.incomplete) {
            lines.push(...notSeenLines(item, style));
        }
    }
    for (const note of stack.notes) {
        lines.push(style.dim(indent(`note: ${note}`)));
    }
    return lines;
}

function summaryLine(report: Report): string {
    const { summary } = report;
    const scope = report.source === "dry-run"
        ? `${plural(summary.stacks, "program")}, ${plural(summary.resources, "resource")} analyzed`
        : plural(summary.stacks, "stack");
    const errors = summary.errors > 0 ? `; ${summary.errors} could not be analyzed` : "";
    // A clean count must never read as a clean pass when part of the stack was not seen.
    const incomplete = summary.incomplete > 0
        ? ` The run is incomplete: ${plural(summary.incomplete, "thing")} not seen by the dry run (listed above) ` +
            `${summary.incomplete === 1 ? "is" : "are"} checked only by \`pulumi preview --policy-pack\`.`
        : "";
    return `${scope}: ${plural(summary.mandatory, "mandatory violation")}, ${plural(summary.advisory, "advisory violation")}${errors}.${incomplete}`;
}

/** Which pack judged: its version and digest, the first thing an auditor matches against `verify`. */
function headerLine(report: Report): string {
    const { policyPack } = report;
    return `${policyPack.name} v${policyPack.version}  pack ${policyPack.packDigest ?? "digest unknown (a pack without pack-manifest.json, or report lines written without digests)"}`;
}

export function renderText(report: Report, style: Style, options: { softFail?: boolean; failIncomplete?: boolean } = {}): string {
    const blocks = [style.dim(headerLine(report)), ...report.stacks.map((s) => stackLines(s, report, style).join("\n"))];
    let summary = style.bold(summaryLine(report));
    if (options.softFail && report.summary.mandatory > 0) {
        summary += "\n" + style.dim("--soft-fail: mandatory violations are reported but do not fail this run.");
    }
    if (options.failIncomplete && report.summary.incomplete > 0) {
        summary += "\n" + style.dim("--fail-incomplete: an incomplete run fails (exit code 2).");
    }
    return [...blocks, summary].join("\n\n") + "\n";
}
