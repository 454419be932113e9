/**
 * `immutable-guard report <file>`: renders the file the pack appends to when IMMUTABLE_GUARD_REPORT
 * is set during a real `pulumi preview` or `pulumi up`, in the same formats as the dry run.
 */
import * as fs from "fs";
import * as path from "path";
import { displayPath, loadProject, PROJECT_FILE, ProgramError, type ProgramProject } from "./dry-run/project";
import { parseCommandLine, UsageError } from "./command-line";
import { finishReport, REPORT_SCHEMA_VERSION, type PolicyMetadata, type Report, type StackReport, type Violation } from "./output/report";
import { SourceIndex, withProgramVariable } from "./output/source-locations";
import { urnParts } from "../rules/lib/lock";
import type { Diagnostic, Provenance } from "../rules/lib/policy";
import { parseFormat, writeReport } from "./output/write";

/** One line of the report file, as rules/lib/policy.ts writes it (lines written before the pack reported digests have none). */
type ReportFileLine = Diagnostic & { policyPack: string; policyPackVersion: string } & Partial<Provenance>;

const STRING_FIELDS = ["policyPack", "policyPackVersion", "policyName", "urn", "name", "type", "path", "message"] as const;

function parseReportFile(text: string, source: string): ReportFileLine[] {
    const lines: ReportFileLine[] = [];
    text.split("\n").forEach((raw, i) => {
        if (raw.trim() === "") {
            return;
        }
        let entry: unknown;
        try {
            entry = JSON.parse(raw);
        } catch {
            throw new UsageError(`${source}:${i + 1} is not a JSON line`);
        }
        const record = entry as Record<string, unknown>;
        const bad = STRING_FIELDS.find((f) => typeof record?.[f] !== "string");
        if (bad || (record.enforcementLevel !== "advisory" && record.enforcementLevel !== "mandatory")) {
            throw new UsageError(`${source}:${i + 1} is not an immutable-guard diagnostic (${bad ?? "enforcementLevel"} is missing or wrong)`);
        }
        lines.push(record as unknown as ReportFileLine);
    });
    return lines;
}

async function installedPolicies(): Promise<{ version: string; policies: PolicyMetadata[] }> {
    const [{ policies }, { packVersion }] = await Promise.all([import("../rules"), import("../rules/lib/pack-package")]);
    return {
        version: packVersion,
        policies: policies.map((p) => ({
            name: p.name,
            displayName: p.displayName ?? p.name,
            description: p.description,
            enforcementLevel: p.enforcementLevel ?? "advisory",
            remediationSteps: p.remediationSteps ?? "",
            ...(p.severity ? { severity: p.severity } : {}),
            tags: p.tags ?? [],
            ...(p.url ? { url: p.url } : {}),
        })),
    };
}

/** Programs that declare the reported stacks, so SARIF can point at the line of each resource. */
function loadPrograms(dirs: readonly string[]): ProgramProject[] {
    return dirs.map((dir) => {
        try {
            return loadProject(path.resolve(dir));
        } catch (e) {
            throw new UsageError(`--program ${dir}: ${e instanceof ProgramError ? e.message : (e as Error).message}`);
        }
    });
}

async function buildReport(lines: readonly ReportFileLine[], programs: readonly ProgramProject[], options: { softFail?: boolean } = {}): Promise<Report> {
    const installed = await installedPolicies();
    const seen = new Set<string>();
    const stacks = new Map<string, StackReport>();
    const sourcesOf = new Map<string, SourceIndex | undefined>();
    const configDigests = new Map<string, Set<string>>();
    for (const line of lines) {
        // A preview and the update after it report the same finding twice; show it once.
        const key = JSON.stringify([line.policyName, line.enforcementLevel, line.urn, line.path, line.message]);
        if (seen.has(key)) {
            continue;
        }
        seen.add(key);
        const { stack, project } = urnParts(line.urn) ?? { stack: "", project: "" };
        const id = `${project}\u0000${stack}`;
        let entry = stacks.get(id);
        if (!entry) {
            const program = programs.find((p) => p.project === project) ?? (programs.length === 1 ? programs[0] : undefined);
            entry = {
                ...(program ? { program: program.displayDir, entry: displayPath(program.entry) } : {}),
                project,
                stack,
                notes: [],
                violations: [],
            };
            stacks.set(id, entry);
            configDigests.set(id, new Set());
            sourcesOf.set(id, program ? SourceIndex.forProgram(program.dir, program.entry) : undefined);
        }
        if (line.configDigest) {
            configDigests.get(id)!.add(line.configDigest);
        }
        const at = sourcesOf.get(id)?.declaration(line.name, line.type);
        const violation: Violation = {
            policy: line.policyName,
            level: line.enforcementLevel,
            urn: line.urn,
            name: line.name,
            type: line.type,
            ...(line.path ? { path: line.path } : {}),
            message: at ? withProgramVariable(line.message, line.name, at) : line.message,
            ...(at ? { location: { file: displayPath(at.file), line: at.line } } : {}),
        };
        entry.violations.push(violation);
    }
    const versions = [...new Set(lines.map((l) => l.policyPackVersion))];
    const packDigests = [...new Set(lines.flatMap((l) => (l.packDigest ? [l.packDigest] : [])))];
    for (const [id, digests] of configDigests) {
        if (digests.size > 0) {
            stacks.get(id)!.configDigest = [...digests].join(", ");
        }
    }
    return finishReport({
        schemaVersion: REPORT_SCHEMA_VERSION,
        tool: { name: "immutable-guard", version: installed.version },
        policyPack: {
            name: lines[0]?.policyPack ?? "immutable-guard",
            version: versions.join(", ") || installed.version,
            ...(packDigests.length > 0 ? { packDigest: packDigests.join(", ") } : {}),
        },
        source: "report",
        policies: installed.policies,
        stacks: [...stacks.values()],
    }, options);
}

export async function run(args: string[]): Promise<number> {
    const { values, positionals } = parseCommandLine(args, {
        format: { type: "string", default: "text" },
        program: { type: "string", multiple: true },
        "soft-fail": { type: "boolean", default: false },
    });
    if (positionals.length !== 1) {
        throw new UsageError("name exactly one report file; see immutable-guard --help");
    }
    const format = parseFormat(values.format);
    const file = positionals[0];
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const programDirs = values.program ?? (fs.existsSync(PROJECT_FILE) ? ["."] : []);
    const report = await buildReport(parseReportFile(text, file), loadPrograms(programDirs), { softFail: values["soft-fail"] });
    writeReport(report, format, { softFail: values["soft-fail"], fallbackFile: displayPath(path.resolve(file)) });
    return report.exitCode;
}
