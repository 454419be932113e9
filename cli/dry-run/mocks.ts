/**
 * `--mocks <file>`: the user's own answers to data sources, for lookups the dry run cannot
 * answer itself (an SSM parameter, a secret's ARN, a VPC found by its tags). The file is JSON,
 * keyed by invoke token; each value is either the result for every call of that data source, or
 * a list of `{ "args": {...}, "result": {...} }` tried in order, the first whose `args` are all
 * among the call's arguments answering it (a list entry without `args` matches any call).
 */
import * as fs from "fs";
import { isJsonObject } from "../../rules/lib/json-property";
import { UsageError } from "../command-line";

export interface MockCase {
    args?: Record<string, unknown>;
    result: Record<string, unknown>;
}

/** Answers per invoke token, in the order they are tried. */
export type MockAnswers = Record<string, MockCase[]>;

// An invoke token is `<package>:<module>:<function>`, e.g. `aws:ssm/getParameter:getParameter`.
const TOKEN = /^[A-Za-z0-9_.-]+:[A-Za-z0-9_./-]*:[A-Za-z0-9_]+$/;

function readCase(token: string, entry: unknown, index: number, file: string): MockCase {
    const where = `${file}: "${token}"[${index}]`;
    if (!isJsonObject(entry)) {
        throw new UsageError(`${where} must be an object with "result" (and optionally "args")`);
    }
    const unknownKeys = Object.keys(entry).filter((k) => k !== "args" && k !== "result");
    if (unknownKeys.length > 0) {
        throw new UsageError(`${where} has ${unknownKeys.map((k) => `"${k}"`).join(", ")}; an entry of a list has only "args" and "result"`);
    }
    if (!isJsonObject(entry.result)) {
        throw new UsageError(`${where}.result must be an object: the data source's outputs`);
    }
    if (entry.args !== undefined && !isJsonObject(entry.args)) {
        throw new UsageError(`${where}.args must be an object: the arguments a call must have`);
    }
    return entry.args === undefined ? { result: entry.result } : { args: entry.args, result: entry.result };
}

/** Parses a mocks file, refusing anything that is not the documented shape (a usage error naming the token). */
export function parseMocks(text: string, file: string): MockAnswers {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (e) {
        throw new UsageError(`${file} is not valid JSON: ${(e as Error).message}`);
    }
    if (!isJsonObject(doc)) {
        throw new UsageError(`${file} must be a JSON object keyed by data source token, e.g. "aws:ssm/getParameter:getParameter"`);
    }
    const answers: MockAnswers = {};
    for (const [token, value] of Object.entries(doc)) {
        if (!TOKEN.test(token)) {
            throw new UsageError(`${file}: "${token}" is not a data source token (<package>:<module>:<function>, e.g. "aws:ssm/getParameter:getParameter")`);
        }
        if (Array.isArray(value)) {
            answers[token] = value.map((entry, i) => readCase(token, entry, i, file));
        } else if (isJsonObject(value)) {
            answers[token] = [{ result: value }];
        } else {
            throw new UsageError(`${file}: "${token}" must be the result object, or a list of { "args", "result" }`);
        }
    }
    return answers;
}

export function readMocks(file: string): MockAnswers {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new UsageError(`cannot read mocks ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return parseMocks(text, file);
}

/** Whether every key of `wanted` is in `actual` with an equal value (objects compared the same way, arrays exactly). */
function contains(actual: unknown, wanted: unknown): boolean {
    if (isJsonObject(wanted)) {
        return isJsonObject(actual) && Object.entries(wanted).every(([k, v]) => contains(actual[k], v));
    }
    if (Array.isArray(wanted)) {
        return Array.isArray(actual) && actual.length === wanted.length && wanted.every((v, i) => contains(actual[i], v));
    }
    return actual === wanted;
}

/** The user's answer to one call, if the mocks have one. */
export function mockAnswer(mocks: MockAnswers | undefined, token: string, args: Record<string, unknown>): Record<string, unknown> | undefined {
    return mocks?.[token]?.find((c) => c.args === undefined || contains(args, c.args))?.result;
}
