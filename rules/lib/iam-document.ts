import { isJsonObject, readJsonProperty } from "./json-property";
import { isUnknown } from "./unknowns";

/**
 * IAM policy documents as they reach a policy: a JSON string (as users write them, or
 * `getPolicyDocument().json`) or the `PolicyDocument` object form of `@pulumi/aws`, in which any
 * value may be unknown at preview. Reading normalises the shapes IAM accepts (`Statement` object or
 * list, string-or-list fields, `Effect` defaulting to Allow) and keeps what cannot be read as
 * problems, so that nothing unreadable is ever mistaken for a pass.
 */

/** A string-or-list field: its known values, and whether some of it is unknown at preview. */
export interface Field {
    values: string[];
    unknown: boolean;
}

export interface Principal {
    /** `"*"`, or `"*"` under any principal type (`{"AWS": "*"}`): everyone. */
    wildcard: boolean;
    /** Known principals as `TYPE:value` (`AWS:arn:aws:iam::111122223333:root`, `Service:ec2.amazonaws.com`). */
    values: string[];
    unknown: boolean;
}

export interface Condition {
    /** As written, e.g. `StringEquals`, `ForAnyValue:StringLike`. */
    operator: string;
    /** Lower-cased: condition keys are case-insensitive (`AWS:SourceAccount` is `aws:SourceAccount`). */
    key: string;
    /** The key as written, for messages. */
    written: string;
    values: string[];
    unknown: boolean;
}

export interface Statement {
    /** `Statement[2]`, or `Statement` when the document holds a single statement object. */
    path: string;
    sid?: string;
    /** Absent means Allow; a value unknown at preview is `unknown`. */
    effect: "Allow" | "Deny" | "unknown";
    action?: Field;
    notAction?: Field;
    resource?: Field;
    notResource?: Field;
    principal?: Principal;
    notPrincipal?: Principal;
    conditions: Condition[];
    /** The Condition block, or part of it, is unknown at preview. */
    conditionUnknown: boolean;
}

/** A part of a document that could not be read; `unknown` when it is only not known yet. */
export interface DocumentProblem {
    path: string;
    reason: string;
    unknown?: boolean;
}

export type PolicyDocumentRead =
    | { kind: "absent" }
    | { kind: "unknown" }
    | { kind: "invalid"; reason: string }
    | { kind: "document"; statements: Statement[]; problems: DocumentProblem[] };

function kindOf(value: unknown): string {
    return value === null ? "null" : Array.isArray(value) ? "list" : typeof value;
}

function readField(value: unknown, path: string, problems: DocumentProblem[]): Field | undefined {
    if (value === undefined) {
        return undefined;
    }
    if (isUnknown(value)) {
        return { values: [], unknown: true };
    }
    const items = Array.isArray(value) ? value : [value];
    const field: Field = { values: [], unknown: false };
    items.forEach((item, i) => {
        if (typeof item === "string" && !isUnknown(item)) {
            field.values.push(item);
        } else if (isUnknown(item)) {
            field.unknown = true;
        } else {
            problems.push({ path: Array.isArray(value) ? `${path}[${i}]` : path, reason: `it is a ${kindOf(item)}, not a string` });
        }
    });
    return field;
}

function readPrincipal(value: unknown, path: string, problems: DocumentProblem[]): Principal | undefined {
    if (value === undefined) {
        return undefined;
    }
    const principal: Principal = { wildcard: false, values: [], unknown: false };
    if (isUnknown(value)) {
        principal.unknown = true;
        return principal;
    }
    if (typeof value === "string") {
        principal.wildcard = value === "*";
        principal.values.push(value);
        return principal;
    }
    if (!isJsonObject(value)) {
        problems.push({ path, reason: `it is a ${kindOf(value)}, not "*" or an object of principal types` });
        return principal;
    }
    for (const [type, ids] of Object.entries(value)) {
        const field = readField(ids, `${path}.${type}`, problems);
        if (!field) {
            continue;
        }
        principal.unknown ||= field.unknown;
        for (const id of field.values) {
            principal.wildcard ||= id === "*";
            principal.values.push(`${type}:${id}`);
        }
    }
    return principal;
}

function readConditions(value: unknown, path: string, statement: Statement, problems: DocumentProblem[]): void {
    if (value === undefined) {
        return;
    }
    if (isUnknown(value)) {
        statement.conditionUnknown = true;
        return;
    }
    if (!isJsonObject(value)) {
        problems.push({ path, reason: `it is a ${kindOf(value)}, not an object of condition operators` });
        return;
    }
    for (const [operator, block] of Object.entries(value)) {
        if (isUnknown(block)) {
            statement.conditionUnknown = true;
            continue;
        }
        if (!isJsonObject(block)) {
            problems.push({ path: `${path}.${operator}`, reason: `it is a ${kindOf(block)}, not an object of condition keys` });
            continue;
        }
        for (const [key, raw] of Object.entries(block)) {
            const items = Array.isArray(raw) ? raw : [raw];
            const condition: Condition = { operator, key: key.toLowerCase(), written: key, values: [], unknown: isUnknown(raw) };
            for (const item of isUnknown(raw) ? [] : items) {
                if (isUnknown(item)) {
                    condition.unknown = true;
                } else if (typeof item === "string" || typeof item === "number" || typeof item === "boolean") {
                    condition.values.push(String(item));
                } else {
                    problems.push({ path: `${path}.${operator}.${key}`, reason: `it holds a ${kindOf(item)}, not a string` });
                }
            }
            statement.conditionUnknown ||= condition.unknown;
            statement.conditions.push(condition);
        }
    }
}

function readEffect(value: unknown, path: string, problems: DocumentProblem[]): Statement["effect"] {
    if (value === undefined) {
        return "Allow";
    }
    if (isUnknown(value)) {
        return "unknown";
    }
    if (value === "Allow" || value === "Deny") {
        return value;
    }
    problems.push({ path: `${path}.Effect`, reason: `${JSON.stringify(value)} is neither "Allow" nor "Deny"` });
    // IAM refuses such a document; reading it as Allow keeps its grants checked rather than waved through.
    return "Allow";
}

function readStatement(raw: unknown, path: string, problems: DocumentProblem[]): Statement | undefined {
    if (isUnknown(raw)) {
        problems.push({ path, reason: "the statement is not known until the resources it depends on exist", unknown: true });
        return undefined;
    }
    if (!isJsonObject(raw)) {
        problems.push({ path, reason: `it is a ${kindOf(raw)}, not a statement object` });
        return undefined;
    }
    const statement: Statement = {
        path,
        sid: typeof raw.Sid === "string" && !isUnknown(raw.Sid) && raw.Sid !== "" ? raw.Sid : undefined,
        effect: readEffect(raw.Effect, path, problems),
        action: readField(raw.Action, `${path}.Action`, problems),
        notAction: readField(raw.NotAction, `${path}.NotAction`, problems),
        resource: readField(raw.Resource, `${path}.Resource`, problems),
        notResource: readField(raw.NotResource, `${path}.NotResource`, problems),
        principal: readPrincipal(raw.Principal, `${path}.Principal`, problems),
        notPrincipal: readPrincipal(raw.NotPrincipal, `${path}.NotPrincipal`, problems),
        conditions: [],
        conditionUnknown: false,
    };
    readConditions(raw.Condition, `${path}.Condition`, statement, problems);
    return statement;
}

/** Reads a policy document given as a JSON string or an object. */
export function readPolicyDocument(raw: unknown): PolicyDocumentRead {
    const json = readJsonProperty(raw);
    if (json.kind !== "value") {
        return json;
    }
    const doc = json.value;
    if (!isJsonObject(doc)) {
        return { kind: "invalid", reason: `it is a JSON ${kindOf(doc)}, not a policy document object` };
    }
    if (isUnknown(doc.Statement)) {
        return { kind: "unknown" };
    }
    if (doc.Statement === undefined || doc.Statement === null) {
        return { kind: "invalid", reason: "it has no Statement" };
    }
    const problems: DocumentProblem[] = [];
    const statements: Statement[] = [];
    const list = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    list.forEach((item: unknown, i: number) => {
        const statement = readStatement(item, Array.isArray(doc.Statement) ? `Statement[${i}]` : "Statement", problems);
        if (statement) {
            statements.push(statement);
        }
    });
    return { kind: "document", statements, problems };
}

/** How a message names a statement: its index path, and its Sid when it has one. */
export function statementName(statement: Statement): string {
    return statement.sid ? `${statement.path} (Sid ${JSON.stringify(statement.sid)})` : statement.path;
}
