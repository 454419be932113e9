import { ACCESS_LEVELS, wildcardPattern } from "./lib/iam-actions";
import { readPolicyDocument } from "./lib/iam-document";
import { statementGrants, type GrantSettings } from "./lib/iam-grants";
import {
    KMS_KEY_TYPES,
    MANAGED_POLICY_ARN_PROPERTIES,
    POLICY_PROPERTIES,
    PRINCIPAL_PERMISSION_TYPES,
    policyDocuments,
    type PolicyAt,
} from "./lib/iam-locations";
import { allowedListGuard, globCovers, requiredListGuard } from "./lib/locked-settings";
import { ConfigError, defineResourcePolicy, type Finding, type Props, type ResourceView } from "./lib/policy";
import { isUnknown } from "./lib/unknowns";

interface GrantConfig extends GrantSettings {
    managedPolicyDenyList: string[];
    clusterRoleDenyList: string[];
}

const DEFAULT_SENSITIVE_LEVELS = ["Write", "Permissions management", "Tagging"];

/**
 * The AWS managed policies that grant `*`, `NotAction` or `iam:*` on every resource, found by
 * scanning every AWS managed policy document (see docs/iam.md).
 */
const DEFAULT_MANAGED_POLICY_DENY_LIST = ["AdministratorAccess", "PowerUserAccess", "IAMFullAccess", "AWSMcpServiceActionsFullAccess"];

const WHAT_MANAGED_POLICY_GRANTS: Record<string, string> = {
    AdministratorAccess: "every action on every resource",
    PowerUserAccess: "every action except IAM, Organizations and Account management, on every resource",
    IAMFullAccess: "all of IAM, enough to grant itself any other permission",
    AWSMcpServiceActionsFullAccess: "every action made through AWS MCP services",
};

const DEFAULT_CLUSTER_ROLE_DENY_LIST = ["cluster-admin"];

// ---------------------------------------------------------------------------------------------
// AWS policy documents

function* documentGrants(resource: ResourceView, doc: PolicyAt, config: GrantConfig): Iterable<Finding> {
    const read = readPolicyDocument(doc.value);
    switch (read.kind) {
        case "absent":
            return;
        case "unknown":
            yield {
                path: doc.path,
                advisory: true,
                message: "the policy document is not known until the resources it depends on exist (as with " +
                    "`getPolicyDocumentOutput(...).json` or `pulumi.jsonStringify` over outputs); its statements are checked when `pulumi up` runs.",
            };
            return;
        case "invalid":
            yield { path: doc.path, message: `is not a valid IAM policy document because ${read.reason}; fix it so its grants can be checked.` };
            return;
    }
    for (const problem of read.problems) {
        yield problem.unknown
            ? { path: `${doc.path}.${problem.path}`, advisory: true, message: `${problem.reason}; it is checked when \`pulumi up\` runs.` }
            : { path: `${doc.path}.${problem.path}`, message: `cannot be read because ${problem.reason}; fix it so the statement can be checked.` };
    }
    const options = { kmsKeyPolicy: KMS_KEY_TYPES.has(resource.type), statements: read.statements };
    for (const statement of read.statements) {
        for (const finding of statementGrants(statement, doc.kind, config, options)) {
            yield { ...finding, path: `${doc.path}.${finding.path}` };
        }
    }
}

const AWS_MANAGED_POLICY_ARN = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?([^/]+)$/;

function* deniedManagedPolicies(resource: ResourceView, config: GrantConfig): Iterable<Finding> {
    const property = MANAGED_POLICY_ARN_PROPERTIES[resource.type];
    const value = resource.props[property];
    // An ARN unknown at preview names a policy created in this stack (AWS managed ARNs are
    // constants), and that policy's document is checked where it is defined.
    const arns: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [`${property}[${i}]`, v]) : [[property, value]];
    for (const [path, arn] of arns) {
        if (typeof arn !== "string" || isUnknown(arn)) {
            continue;
        }
        const name = AWS_MANAGED_POLICY_ARN.exec(arn)?.[1];
        if (!name || !config.managedPolicyDenyList.some((entry) => entry === name || entry === arn)) {
            continue;
        }
        const grants = WHAT_MANAGED_POLICY_GRANTS[name];
        yield {
            path,
            message: `attaches the AWS managed policy ${JSON.stringify(arn)}, which grants ${grants ?? "nearly everything (it is on the managedPolicyDenyList)"}; ` +
                "attach a policy that lists the actions and resources this identity needs (an `aws.iam.RolePolicy` or `aws.iam.Policy` with a scoped document).",
        };
    }
}

function* publicPermission(resource: ResourceView, config: GrantConfig): Iterable<Finding> {
    const { restrictedBy } = PRINCIPAL_PERMISSION_TYPES[resource.type];
    const { principal, action } = resource.props;
    if (isUnknown(principal)) {
        yield { path: "principal", advisory: true, message: "the principal is not known until the resources it depends on exist; it is checked when `pulumi up` runs." };
    } else if (principal === "*" && !restrictedBy.some((key) => resource.props[key] !== undefined && resource.props[key] !== "")) {
        yield {
            path: "principal",
            message: `principal "*" lets anyone, in any account, use this; name the account or service principal that needs it ` +
                `(e.g. \`principal: "111122223333"\`), or set ${restrictedBy.map((k) => `\`${k}\``).join(" or ")}.`,
        };
    }
    if (typeof action === "string" && !config.allowedAction(action) && (action.trim() === "*" || /^[a-z0-9-]+:\*$/i.test(action.trim()))) {
        yield { path: "action", message: `action ${JSON.stringify(action)} grants every action; name the one needed, e.g. \`action: "lambda:InvokeFunction"\`.` };
    }
}

// ---------------------------------------------------------------------------------------------
// Kubernetes RBAC

const RBAC_TYPE = /^kubernetes:rbac\.authorization\.k8s\.io\/v1(?:alpha1|beta1)?:(Role|ClusterRole|RoleBinding|ClusterRoleBinding)(Patch|List)?$/;

/**
 * Kubernetes matches `*` as everything and `*\/sub` as that subresource of every resource;
 * `*\/*` only matches a subresource literally named `*`, so it grants nothing broad.
 */
function wildcardIn(field: string, value: string): boolean {
    return value === "*" || (field === "resources" && /^\*\/[^*]+$/.test(value));
}

const RULE_FIELDS = ["apiGroups", "resources", "verbs", "nonResourceURLs"] as const;
type RuleField = (typeof RULE_FIELDS)[number];

const RULE_FIELD_NOUNS: Record<RuleField, string> = { apiGroups: "API group", resources: "resource", verbs: "verb", nonResourceURLs: "URL" };

/** A resource of an API group to show in an example, so the fix reads as a real rule. */
const EXAMPLE_RESOURCE_BY_GROUP: Record<string, string> = {
    "": "configmaps",
    apps: "deployments",
    batch: "jobs",
    "networking.k8s.io": "ingresses",
    "rbac.authorization.k8s.io": "roles",
    "coordination.k8s.io": "leases",
};

/** The rule as written, with each wildcard field replaced by a list to adapt. */
function scopedRuleExample(rule: Props, wildFields: readonly RuleField[]): string {
    const written = (field: RuleField): string[] | undefined => {
        const values = rule[field];
        return Array.isArray(values) && !wildFields.includes(field) && values.every((v) => typeof v === "string") ? values as string[] : undefined;
    };
    const list = (values: readonly string[]) => `[${values.map((v) => JSON.stringify(v)).join(", ")}]`;
    if (rule.nonResourceURLs !== undefined) {
        return `{ nonResourceURLs: ${list(written("nonResourceURLs") ?? ["/healthz", "/metrics"])}, verbs: ${list(written("verbs") ?? ["get"])} }`;
    }
    const groups = written("apiGroups") ?? ["apps"];
    const base = EXAMPLE_RESOURCE_BY_GROUP[groups[0] ?? ""] ?? "<resource>";
    // `*/scale` stands for the scale subresource of everything: suggest it of one resource.
    const subresource = Array.isArray(rule.resources) ? rule.resources.find((r): r is string => typeof r === "string" && /^\*\/[^*]+$/.test(r)) : undefined;
    const resources = written("resources") ?? [subresource ? `${base}${subresource.slice(1)}` : base];
    return `{ apiGroups: ${list(groups)}, resources: ${list(resources)}, verbs: ${list(written("verbs") ?? ["get", "list", "watch"])} }`;
}

function* ruleWildcards(rules: unknown, prefix: string): Iterable<Finding> {
    if (rules === undefined || rules === null) {
        return;
    }
    if (isUnknown(rules) || !Array.isArray(rules)) {
        yield isUnknown(rules)
            ? { path: `${prefix}rules`, advisory: true, message: "the rules are not known until the resources they depend on exist; they are checked when `pulumi up` runs." }
            : { path: `${prefix}rules`, message: `cannot be read because it is a ${typeof rules}, not a list of rules; fix it so every rule can be checked.` };
        return;
    }
    for (const [i, rule] of rules.entries()) {
        const path = `${prefix}rules[${i}]`;
        if (isUnknown(rule) || rule === null || typeof rule !== "object") {
            yield isUnknown(rule)
                ? { path, advisory: true, message: "the rule is not known until the resources it depends on exist; it is checked when `pulumi up` runs." }
                : { path, message: `cannot be read because it is a ${rule === null ? "null" : typeof rule}, not a rule object.` };
            continue;
        }
        const wildcards: string[] = [];
        const wildFields: RuleField[] = [];
        for (const field of RULE_FIELDS) {
            const values = (rule as Props)[field];
            if (isUnknown(values)) {
                yield { path: `${path}.${field}`, advisory: true, message: `${field} is not known until the resources it depends on exist; it is checked when \`pulumi up\` runs.` };
            } else if (Array.isArray(values)) {
                const found = values.filter((v): v is string => typeof v === "string" && wildcardIn(field, v));
                if (found.length > 0) {
                    wildcards.push(`${field} ${found.map(describeRbacWildcard).join(", ")}`);
                    wildFields.push(field);
                }
            }
        }
        if (wildcards.length > 0) {
            yield {
                path,
                message: `grants ${joinAnd(wildcards)}, which match every ${joinAnd(wildFields.map((f) => RULE_FIELD_NOUNS[f]))}, ` +
                    `including ones added later; list what is needed, e.g. \`${scopedRuleExample(rule as Props, wildFields)}\`.`,
            };
        }
    }
}

function describeRbacWildcard(value: string): string {
    return value === "*" ? '"*"' : `${JSON.stringify(value)} (the ${value.slice(2)} subresource of every resource)`;
}

function joinAnd(items: readonly string[]): string {
    return items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

const BOUND_ROLE_UNKNOWN = "the bound role is not known until the resources it depends on exist; it is checked when `pulumi up` runs.";

function* bindingToDeniedRole(roleRef: unknown, prefix: string, config: GrantConfig): Iterable<Finding> {
    if (isUnknown(roleRef)) {
        yield { path: `${prefix}roleRef`, advisory: true, message: BOUND_ROLE_UNKNOWN };
        return;
    }
    if (roleRef === null || typeof roleRef !== "object") {
        return;
    }
    const { kind, name } = roleRef as Props;
    if (isUnknown(name) || (isUnknown(kind) && typeof name === "string" && config.clusterRoleDenyList.includes(name))) {
        yield { path: `${prefix}roleRef.${isUnknown(name) ? "name" : "kind"}`, advisory: true, message: BOUND_ROLE_UNKNOWN };
    } else if (kind === "ClusterRole" && typeof name === "string" && config.clusterRoleDenyList.includes(name)) {
        yield {
            path: `${prefix}roleRef.name`,
            message: `binds the ClusterRole ${JSON.stringify(name)}, which grants every verb on every resource; bind a Role or ClusterRole ` +
                "that lists the apiGroups, resources and verbs these subjects need.",
        };
    }
}

function* rbacWildcards(resource: ResourceView, config: GrantConfig): Iterable<Finding> {
    const [, kind, variant] = RBAC_TYPE.exec(resource.type) ?? [];
    const objects: [string, unknown][] = variant === "List" && Array.isArray(resource.props.items)
        ? resource.props.items.map((item, i) => [`items[${i}].`, item])
        : [["", resource.props]];
    for (const [prefix, object] of objects) {
        if (object === null || typeof object !== "object") {
            continue;
        }
        if (kind.endsWith("Binding")) {
            yield* bindingToDeniedRole((object as Props).roleRef, prefix, config);
        } else {
            yield* ruleWildcards((object as Props).rules, prefix);
        }
    }
}

// ---------------------------------------------------------------------------------------------

function* wildcardGrants(resource: ResourceView, config: GrantConfig): Iterable<Finding> {
    if (RBAC_TYPE.test(resource.type)) {
        yield* rbacWildcards(resource, config);
        return;
    }
    if (resource.type in MANAGED_POLICY_ARN_PROPERTIES) {
        yield* deniedManagedPolicies(resource, config);
    }
    if (resource.type in PRINCIPAL_PERMISSION_TYPES) {
        yield* publicPermission(resource, config);
    }
    const { documents, unreadable } = policyDocuments(resource.type, resource.props);
    for (const list of unreadable) {
        yield list.unknown
            ? { path: list.path, advisory: true, message: `${list.reason}; the policies in it are checked when \`pulumi up\` runs.` }
            : { path: list.path, message: `cannot be read because ${list.reason}; fix it so every policy in it can be checked.` };
    }
    for (const doc of documents) {
        yield* documentGrants(resource, doc, config);
    }
}

function appliesTo(type: string): boolean {
    return type in POLICY_PROPERTIES || type in MANAGED_POLICY_ARN_PROPERTIES || type in PRINCIPAL_PERMISSION_TYPES || RBAC_TYPE.test(type);
}

// ---------------------------------------------------------------------------------------------
// Config

function stringList(raw: unknown, key: string, fallback: string[]): string[] {
    if (raw === undefined) {
        return fallback;
    }
    if (!Array.isArray(raw) || raw.some((v) => typeof v !== "string" || v.trim() === "")) {
        throw new ConfigError(`${key} must be a list of non-empty strings`);
    }
    return raw as string[];
}

function allowList(raw: unknown, key: string, field: string, caseInsensitive: boolean): (value: string) => boolean {
    if (raw === undefined) {
        return () => false;
    }
    const entries = Array.isArray(raw) ? raw : undefined;
    const valid = entries?.every((e) => e !== null && typeof e === "object" &&
        typeof (e as Props)[field] === "string" && ((e as Props)[field] as string).trim() !== "" &&
        typeof (e as Props).reason === "string" && ((e as Props).reason as string).trim() !== "");
    if (!entries || !valid) {
        throw new ConfigError(`${key} must be a list of { "${field}": "<exact value or glob>", "reason": "<why it may stay broad>" }`);
    }
    const patterns = entries.map((e) => wildcardPattern((e as Props)[field] as string, caseInsensitive));
    return (value: string) => patterns.some((p) => p.test(value));
}

function readGrantConfig(raw: Props): GrantConfig {
    const levels = stringList(raw.resourceWildcardAccessLevels, "resourceWildcardAccessLevels", DEFAULT_SENSITIVE_LEVELS);
    const unknownLevel = levels.find((l) => !(ACCESS_LEVELS as readonly string[]).includes(l));
    if (unknownLevel !== undefined) {
        throw new ConfigError(`resourceWildcardAccessLevels has ${JSON.stringify(unknownLevel)}; use ${ACCESS_LEVELS.map((l) => JSON.stringify(l)).join(", ")}`);
    }
    return {
        sensitiveLevels: new Set(levels),
        allowedAction: allowList(raw.allowedActions, "allowedActions", "action", true),
        allowedResource: allowList(raw.allowedResources, "allowedResources", "resource", false),
        managedPolicyDenyList: stringList(raw.managedPolicyDenyList, "managedPolicyDenyList", DEFAULT_MANAGED_POLICY_DENY_LIST),
        clusterRoleDenyList: stringList(raw.clusterRoleDenyList, "clusterRoleDenyList", DEFAULT_CLUSTER_ROLE_DENY_LIST),
    };
}

/** The patterns of an allow-list as the lock records them (reasons explain, they do not allow). */
function allowedPatterns(field: string, caseInsensitive: boolean): (raw: unknown) => string[] {
    return (raw) => (Array.isArray(raw) ? raw : [])
        .map((e: unknown) => (e !== null && typeof e === "object" ? (e as Props)[field] : undefined))
        .filter((p): p is string => typeof p === "string")
        .map((p) => (caseInsensitive ? p.toLowerCase() : p));
}

const allowEntrySchema = (field: string, description: string) => ({
    type: "array" as const,
    description,
    items: {
        type: "object" as const,
        properties: {
            [field]: { type: "string" as const, minLength: 1 },
            reason: { type: "string" as const, minLength: 1 },
        },
        required: [field, "reason"],
        additionalProperties: false,
    },
});

export const iamNoWildcardGrants = defineResourcePolicy<GrantConfig>({
    name: "iam-no-wildcard-grants",
    displayName: "No wildcard IAM or RBAC grants",
    description:
        "Blocks Allow statements that grant `*` or `service:*` actions, use NotAction or NotResource, grant Write, " +
        "Permissions management or Tagging actions that support resource-level permissions on `Resource: \"*\"`, or let " +
        "`Principal: \"*\"` in without a condition that restricts who, in identity, inline, trust and resource policies; " +
        "attachments of AWS managed policies that grant (nearly) everything; Kubernetes Role and ClusterRole rules with `*` " +
        "in apiGroups, resources or verbs, and bindings to cluster-admin.",
    severity: "critical",
    enforcementLevel: "mandatory",
    tags: ["least-privilege", "iam", "kubernetes", "aws"],
    remediationSteps:
        "List the actions the principal needs instead of `*`, `service:*` or NotAction; scope Resource to the ARNs those " +
        "actions act on; name principals (or add a fixed aws:SourceArn, aws:SourceAccount or aws:PrincipalOrgID condition) " +
        "instead of `Principal: \"*\"`; in Kubernetes, list apiGroups, resources and verbs. Anything that must stay broad " +
        "goes in allowedActions / allowedResources with a reason, or in an exemption.",
    config: {
        resourceWildcardAccessLevels: {
            type: "array",
            items: { type: "string", enum: [...ACCESS_LEVELS] },
            description: "Access levels that may not be granted on `Resource: \"*\"` when the action supports resource-level permissions. " +
                "Default Write, Permissions management, Tagging; add Read and List to be stricter.",
        },
        allowedActions: allowEntrySchema("action", "Actions (exact or glob, case-insensitive, e.g. `logs:PutLogEvents`, `kms:*`) that may stay broad, each with a reason."),
        allowedResources: allowEntrySchema("resource", "Resource values (exact or glob, e.g. `arn:aws:logs:*:*:*`) that are not treated as a wildcard, each with a reason."),
        managedPolicyDenyList: {
            type: "array",
            items: { type: "string", minLength: 1 },
            description: "AWS managed policies (name, e.g. `AdministratorAccess`, or full ARN) that may not be attached. " +
                `Default ${DEFAULT_MANAGED_POLICY_DENY_LIST.join(", ")}.`,
        },
        clusterRoleDenyList: {
            type: "array",
            items: { type: "string", minLength: 1 },
            description: "Kubernetes ClusterRoles that RoleBindings and ClusterRoleBindings may not bind. Default cluster-admin.",
        },
    },
    readConfig: readGrantConfig,
    guards: {
        resourceWildcardAccessLevels: requiredListGuard("resourceWildcardAccessLevels", "blocks `Resource: \"*\"` at the access level", { fallback: DEFAULT_SENSITIVE_LEVELS }),
        allowedActions: allowedListGuard("allowedActions", "allows the action", {
            read: allowedPatterns("action", true),
            covers: (general, specific) => globCovers(general, specific, true),
        }),
        allowedResources: allowedListGuard("allowedResources", "allows the resource", {
            read: allowedPatterns("resource", false),
            covers: (general, specific) => globCovers(general, specific),
        }),
        managedPolicyDenyList: requiredListGuard("managedPolicyDenyList", "denies the managed policy", { fallback: DEFAULT_MANAGED_POLICY_DENY_LIST }),
        clusterRoleDenyList: requiredListGuard("clusterRoleDenyList", "denies binding the ClusterRole", { fallback: DEFAULT_CLUSTER_ROLE_DENY_LIST }),
    },
    appliesTo,
    check: wildcardGrants,
});
