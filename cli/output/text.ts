import type { Report, StackReport, Violation } from "./report";

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
        lines.push(indent("No policy violations."));
    } else {
        lines.push(style.bold("Policy Violations:"));
        for (const v of stack.violations) {
            lines.push(...violationLines(v, report.policyPack, style));
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
    return `${scope}: ${plural(summary.mandatory, "mandatory violation")}, ${plural(summary.advisory, "advisory violation")}${errors}.`;
}

/** Which pack judged: its version and digest, the first thing an auditor matches against `verify`. */
function headerLine(report: Report): string {
    const { policyPack } = report;
    return `${policyPack.name} v${policyPack.version}  pack ${policyPack.packDigest ?? "digest unknown (no pack-manifest.json)"}`;
}

export function renderText(report: Report, style: Style, options: { softFail?: boolean } = {}): string {
    const blocks = [style.dim(headerLine(report)), ...report.stacks.map((s) => stackLines(s, report, style).join("\n"))];
    let summary = style.bold(summaryLine(report));
    if (options.softFail && report.summary.mandatory > 0) {
        summary += "\n" + style.dim("--soft-fail: mandatory violations are reported but do not fail this run.");
    }
    return [...blocks, summary].join("\n\n") + "\n";
}
