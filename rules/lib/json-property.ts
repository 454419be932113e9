import { isUnknown } from "./unknowns";

/** A property that holds a JSON document, read as a string (as users often write it) or an object. */
export type JsonProperty =
    | { kind: "absent" }
    | { kind: "unknown" }
    | { kind: "invalid"; reason: string }
    | { kind: "value"; value: unknown };

const MAX_JSON_LENGTH = 8 * 1024 * 1024;

/** Why a text is not JSON, by position only: Node's message quotes the text around the error, which may be a secret. */
export function notJsonReason(parseError: unknown): string {
    const position = /position (\d+)/.exec(String((parseError as Error).message))?.[1];
    return `not valid JSON${position ? ` (error at character ${position})` : ""}`;
}

export function readJsonProperty(raw: unknown): JsonProperty {
    if (raw === undefined || raw === null || raw === "") {
        return { kind: "absent" };
    }
    if (isUnknown(raw)) {
        return { kind: "unknown" };
    }
    if (typeof raw === "string") {
        if (raw.length > MAX_JSON_LENGTH) {
            return { kind: "invalid", reason: `it is ${raw.length} characters long, more than the ${MAX_JSON_LENGTH} this pack reads` };
        }
        try {
            return { kind: "value", value: JSON.parse(raw) };
        } catch (e) {
            return { kind: "invalid", reason: `it is ${notJsonReason(e)}` };
        }
    }
    if (typeof raw === "object") {
        return { kind: "value", value: raw };
    }
    return { kind: "invalid", reason: `it is a ${typeof raw}, not a JSON string or an object` };
}

/** A JSON object: not null, not an array. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}
