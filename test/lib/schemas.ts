import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import AjvDraft04 from "ajv-draft-04";
import addFormats from "ajv-formats";

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
