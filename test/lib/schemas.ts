import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import AjvDraft04 from "ajv-draft-04";
import addFormats from "ajv-formats";
import { fileURLToPath } from "url";

const SCHEMAS = path.join(__dirname, "..", "..", "schemas");

function load(file: string): Record<string, unknown> {
    return JSON.parse(fs.readFileSync(path.join(SCHEMAS, file), "utf8")) as Record<string, unknown>;
}

function explain(errors: { instancePath: string; message?: string }[] | null | undefined): string {
    return (errors ?? []).slice(0, 10).map((e) => `${e.instancePath || "(root)"} ${e.message ?? ""}`).join("\n");
}

/** Validates against schemas/dry-run-report.schema.json (draft-07); throws with the errors. */
export function assertValidReport(value: unknown): void {
    const ajv = new Ajv({ allErrors: true, strict: true });
    addFormats(ajv);
    const validate = ajv.compile(load("dry-run-report.schema.json"));
    if (!validate(value)) {
        throw new Error(`the JSON report does not match its schema:\n${explain(validate.errors)}`);
    }
}

/** Validates against the OASIS SARIF 2.1.0 schema (draft-04); throws with the errors. */
export function assertValidSarif(value: unknown): void {
    const ajv = new AjvDraft04({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(load("sarif-schema-2.1.0.json"));
    if (!validate(value)) {
        throw new Error(`the SARIF log does not match the SARIF 2.1.0 schema:\n${explain(validate.errors)}`);
    }
}

interface SarifArtifactLocation {
    uri: string;
    uriBaseId?: string;
}
interface SarifPhysicalLocation {
    physicalLocation?: { artifactLocation?: SarifArtifactLocation; region?: { startLine?: number } };
}
interface SarifRun {
    tool?: { driver: { informationUri?: string; rules?: { helpUri?: string }[] } };
    originalUriBaseIds?: Record<string, SarifArtifactLocation>;
    invocations?: { workingDirectory?: SarifArtifactLocation; toolExecutionNotifications?: { locations?: SarifPhysicalLocation[] }[] }[];
    results?: { locations?: SarifPhysicalLocation[] }[];
}

// RFC 3986: the characters a URI reference may hold, and no "%" that is not an escape.
const URI_REFERENCE = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

function hasDotDotSegment(uri: string): boolean {
    return uri.split(/[?#]/)[0].split("/").includes("..");
}

/**
 * The rules of Microsoft's SARIF multitool (`sarif validate`) about URIs, written out because its
 * npm package is a 100 MB .NET build: SARIF1002 (valid URI references, no `..` in file URIs),
 * SARIF1004 (a location under a `uriBaseId` is a relative reference not starting with `/`; each
 * base in `originalUriBaseIds` is absolute, ends with `/`, has no `..`, query or fragment), SARIF1005
 * (help and information URIs absolute) and GH1005 (locations are file paths). It also requires
 * every base a location names to be defined. Returns each result location resolved to a file path.
 */
export function assertSarifUris(log: { runs: SarifRun[] }): { file: string; line: number }[] {
    const resolved: { file: string; line: number }[] = [];
    for (const [r, run] of log.runs.entries()) {
        const bases = run.originalUriBaseIds ?? {};
        for (const [id, base] of Object.entries(bases)) {
            const where = `runs[${r}].originalUriBaseIds.${id}`;
            assert(URI_REFERENCE.test(base.uri), `SARIF1002: ${where} "${base.uri}" is not a valid URI`);
            assert(base.uriBaseId !== undefined || SCHEME.test(base.uri), `SARIF1004: ${where} "${base.uri}" is not absolute`);
            assert(base.uri.endsWith("/"), `SARIF1004: ${where} "${base.uri}" does not end with a slash`);
            assert(!hasDotDotSegment(base.uri), `SARIF1004: ${where} "${base.uri}" has a '..' segment`);
            assert(!/[?#]/.test(base.uri), `SARIF1004: ${where} "${base.uri}" has a query or fragment`);
        }
        for (const uri of [run.tool?.driver.informationUri, ...(run.tool?.driver.rules ?? []).map((rule) => rule.helpUri)]) {
            assert(uri === undefined || SCHEME.test(uri), `SARIF1005: "${uri}" is not an absolute URI`);
        }
        const check = (location: SarifArtifactLocation, where: string): string => {
            const { uri, uriBaseId } = location;
            assert(URI_REFERENCE.test(uri), `SARIF1002: ${where} "${uri}" is not a valid URI reference`);
            assert(!(uri.startsWith("file:") && hasDotDotSegment(uri)), `SARIF1002: ${where} "${uri}" has a '..' segment`);
            if (uriBaseId === undefined) {
                assert(uri.startsWith("file:"), `GH1005: ${where} "${uri}" is neither relative nor a file URI`);
                return fileURLToPath(uri);
            }
            assert(!SCHEME.test(uri), `SARIF1004: ${where} "${uri}" is absolute but has the uriBaseId ${uriBaseId}`);
            assert(!uri.startsWith("/"), `SARIF1004: ${where} "${uri}" begins with a slash`);
            const base = bases[uriBaseId];
            assert(base, `${where} names the uriBaseId ${uriBaseId}, which originalUriBaseIds does not define`);
            return fileURLToPath(new URL(uri, base.uri));
        };
        for (const [i, invocation] of (run.invocations ?? []).entries()) {
            if (invocation.workingDirectory) {
                check(invocation.workingDirectory, `runs[${r}].invocations[${i}].workingDirectory`);
            }
            for (const [n, notification] of (invocation.toolExecutionNotifications ?? []).entries()) {
                for (const [l, location] of (notification.locations ?? []).entries()) {
                    const artifact = location.physicalLocation?.artifactLocation;
                    if (artifact) {
                        check(artifact, `runs[${r}].invocations[${i}].toolExecutionNotifications[${n}].locations[${l}]`);
                    }
                }
            }
        }
        for (const [i, result] of (run.results ?? []).entries()) {
            for (const [l, location] of (result.locations ?? []).entries()) {
                const artifact = location.physicalLocation?.artifactLocation;
                if (artifact) {
                    const file = check(artifact, `runs[${r}].results[${i}].locations[${l}]`);
                    resolved.push({ file, line: location.physicalLocation?.region?.startLine ?? 0 });
                }
            }
        }
    }
    return resolved;
}
