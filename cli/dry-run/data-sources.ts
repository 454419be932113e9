/**
 * Answers to the data sources (invokes) programs call most, so they run without a cloud account.
 * The values are stand-ins (account 123456789012, the configured region); `getPolicyDocument`
 * renders its statements as the AWS provider does, because IAM policies are built with it and
 * the pack must see the JSON a real preview would produce. Anything else answers with no data.
 */

const DRY_RUN_ACCOUNT_ID = "123456789012";

type Inputs = Record<string, unknown>;

interface Simulated {
    result: Record<string, unknown>;
    simulated: boolean;
}

function strings(value: unknown): string[] {
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** The provider writes a one-element list as a plain string. */
function oneOrMany(values: string[]): string | string[] {
    return values.length === 1 ? values[0] : values;
}

function principals(list: unknown): unknown {
    if (!Array.isArray(list) || list.length === 0) {
        return undefined;
    }
    const out: Record<string, string[]> = {};
    for (const p of list as Inputs[]) {
        const type = String(p.type ?? "");
        const identifiers = strings(p.identifiers);
        if (type === "*" && identifiers.every((i) => i === "*")) {
            return "*";
        }
        out[type] = [...(out[type] ?? []), ...identifiers];
    }
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, oneOrMany(v)]));
}

function conditions(list: unknown): unknown {
    if (!Array.isArray(list) || list.length === 0) {
        return undefined;
    }
    const out: Record<string, Record<string, string | string[]>> = {};
    for (const c of list as Inputs[]) {
        const test = String(c.test ?? "");
        out[test] = { ...(out[test] ?? {}), [String(c.variable ?? "")]: oneOrMany(strings(c.values)) };
    }
    return out;
}

export function renderPolicyDocument(inputs: Inputs): string {
    const statements = (Array.isArray(inputs.statements) ? inputs.statements : []) as Inputs[];
    const field = (values: unknown) => (strings(values).length > 0 ? oneOrMany(strings(values)) : undefined);
    const document = {
        Version: typeof inputs.version === "string" ? inputs.version : "2012-10-17",
        Id: typeof inputs.policyId === "string" ? inputs.policyId : undefined,
        Statement: statements.map((s) => ({
            Sid: typeof s.sid === "string" ? s.sid : undefined,
            Effect: typeof s.effect === "string" ? s.effect : "Allow",
            Action: field(s.actions),
            NotAction: field(s.notActions),
            Resource: field(s.resources),
            NotResource: field(s.notResources),
            Principal: principals(s.principals),
            NotPrincipal: principals(s.notPrincipals),
            Condition: conditions(s.conditions),
        })),
    };
    return JSON.stringify(document, null, 2);
}

export function simulateDataSource(token: string, inputs: Inputs, config: Record<string, string>): Simulated {
    const region = config["aws:region"] ?? "us-east-1";
    switch (token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                simulated: true,
                result: { accountId: DRY_RUN_ACCOUNT_ID, arn: `arn:aws:iam::${DRY_RUN_ACCOUNT_ID}:user/dry-run`, userId: "AIDADRYRUNDRYRUN", id: DRY_RUN_ACCOUNT_ID },
            };
        case "aws:index/getRegion:getRegion":
            return {
                simulated: true,
                result: { name: region, region, id: region, endpoint: `ec2.${region}.amazonaws.com`, description: region },
            };
        case "aws:index/getPartition:getPartition":
            return { simulated: true, result: { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" } };
        case "aws:iam/getPolicyDocument:getPolicyDocument": {
            const json = renderPolicyDocument(inputs);
            return { simulated: true, result: { ...inputs, json, minifiedJson: JSON.stringify(JSON.parse(json)), id: "dry-run" } };
        }
        default:
            return { simulated: false, result: {} };
    }
}
