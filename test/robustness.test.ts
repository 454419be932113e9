import { strict as assert } from "assert";
import fc from "fast-check";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { policies } from "../rules";
import { UNKNOWN_SENTINELS } from "../rules/lib/unknowns";
import { runResourcePolicy, runStackPolicy, urnOf, type Fixture, type Reported } from "./lib/harness";
import { TYPE_CATALOG } from "./lib/type-catalog";

type AnyPolicy = (ResourceValidationPolicy | StackValidationPolicy) & { rule: { appliesTo?: (type: string) => boolean } };

const resourcePolicies = (policies as AnyPolicy[]).filter((p): p is AnyPolicy & ResourceValidationPolicy => "validateResource" in p);
const stackPolicies = (policies as AnyPolicy[]).filter((p): p is AnyPolicy & StackValidationPolicy => "validateStack" in p);

// Keys the rules read, so generated junk lands where a rule will look at it.
const KEYS = [
    "spec", "metadata", "template", "jobTemplate", "containers", "initContainers", "ephemeralContainers", "image",
    "containerDefinitions", "containerProperties", "ecsProperties", "nodeProperties", "eksProperties", "imageUri",
    "packageType", "sourceConfiguration", "primaryContainer", "policy", "assumeRolePolicy", "inlinePolicies",
    "managedPolicyArns", "policyArn", "principal", "rules", "roleRef", "subjects", "tags", "labels", "bucket",
    "objectLockEnabled", "objectLockConfiguration", "versioning", "versionings", "rule", "versioningConfiguration",
    "forceDestroy", "imageTagMutability", "imageTagMutabilityExclusionFilters", "completeLock", "vaultName",
    "backupVaultName", "minRetentionDays", "changeableForDays", "immutable", "data", "stringData", "accessPolicy",
    "inlinePolicy", "Statement", "Action", "Resource", "Principal", "Effect", "Condition", "items", "name", "id",
];

const unknown = fc.constantFrom(...UNKNOWN_SENTINELS);
const scalar = fc.oneof(
    fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string(), fc.string({ unit: "binary" }),
    fc.constantFrom("", "*", "[", "{\"Statement\":", "__proto__", "constructor", "\u0000\u001b[31m", "💥", "sha256:", "@", ":"),
    unknown,
);
const junk: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: "small", withCrossShrink: true },
        scalar,
        fc.array(tie("value"), { maxLength: 4 }),
        fc.dictionary(fc.constantFrom(...KEYS, "__proto__", "constructor"), tie("value"), { maxKeys: 6 }),
    ),
})).value;
const bag = fc.dictionary(fc.constantFrom(...KEYS), junk, { maxKeys: 8 }) as fc.Arbitrary<Record<string, unknown>>;

function typesFor(policy: AnyPolicy): string[] {
    const applies = policy.rule.appliesTo;
    return applies ? TYPE_CATALOG.filter((t) => applies(t)) : TYPE_CATALOG;
}

/** A rule may report what it cannot read, but never fail on its own code. */
function assertHandled(reported: Reported[]): void {
    for (const r of reported) {
        assert.equal(typeof r.message, "string");
        assert.doesNotMatch(r.message, /could not be evaluated/, r.message);
        assert.ok(r.message.length < 4000, `message of ${r.message.length} characters`);
    }
}

const RUNS = Number(process.env.ROBUSTNESS_RUNS ?? 1500);

describe("every rule with inputs of the wrong shape", function () {
    this.timeout(300000);

    for (const policy of resourcePolicies) {
        it(`${policy.name} handles ${RUNS} generated property bags without failing`, async () => {
            const types = typesFor(policy);
            assert.ok(types.length > 0, "the catalogue lists a type the rule applies to");
            await fc.assert(
                fc.asyncProperty(fc.constantFrom(...types), bag, async (type, props) => {
                    assertHandled(await runResourcePolicy(policy, { type, name: "fuzzed", props }));
                }),
                { numRuns: RUNS },
            );
        });
    }

    for (const policy of stackPolicies) {
        it(`${policy.name} handles generated stacks without failing`, async () => {
            await fc.assert(
                fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...TYPE_CATALOG), bag), { maxLength: 12 }), async (resources) => {
                    const fixtures: Fixture[] = resources.map(([type, props], i) => ({ type, name: `r${i}`, props }));
                    assertHandled(await runStackPolicy(policy, fixtures));
                }),
                { numRuns: Math.ceil(RUNS / 3) },
            );
        });
    }

    const huge = "x".repeat(10 * 1024 * 1024);
    const long = Array.from({ length: 100000 }, (_, i) => ({ name: `c${i}`, image: "nginx" }));
    const extremes: Array<[string, Record<string, unknown>]> = [
        ["a 10 MB string in every field", Object.fromEntries(KEYS.map((k) => [k, huge]))],
        ["a 100,000-element array in every field", Object.fromEntries(KEYS.map((k) => [k, long]))],
        ["a 10 MB string that is almost JSON", { policy: `{"Statement":[${huge}`, containerDefinitions: `[${huge}`, assumeRolePolicy: `{${huge}` }],
        ["objects nested 5,000 deep", { spec: JSON.parse(`${"{\"a\":".repeat(5000)}1${"}".repeat(5000)}`), policy: `${"[".repeat(5000)}${"]".repeat(5000)}` }],
        ["prototype keys", JSON.parse("{\"__proto__\":{\"polluted\":true},\"constructor\":{\"prototype\":{\"x\":1}},\"metadata\":{\"__proto__\":{\"labels\":{\"immutable\":\"true\"}}}}") as Record<string, unknown>],
    ];
    for (const [what, props] of extremes) {
        it(`every rule survives ${what}`, async () => {
            for (const policy of resourcePolicies) {
                for (const type of typesFor(policy)) {
                    assertHandled(await runResourcePolicy(policy, { type, name: "extreme", props }));
                }
            }
            for (const policy of stackPolicies) {
                const stack = TYPE_CATALOG.map((type, i) => ({ type, name: `extreme${i}`, props }));
                assertHandled(await runStackPolicy(policy, stack));
            }
            assert.equal(({} as Record<string, unknown>).polluted, undefined, "no prototype was polluted");
        });
    }
});

describe("secrets never reach a message", () => {
    const CANARY = "canary-s3cr3t-7f2b9";
    const canaryProps = (type: string): Record<string, unknown> => {
        const env = [{ name: "DB_PASSWORD", value: CANARY }];
        return {
            metadata: { name: "app", labels: { immutable: "true" }, annotations: { token: CANARY } },
            data: { password: CANARY }, stringData: { token: CANARY }, binaryData: { key: CANARY },
            userData: CANARY, password: CANARY, masterPassword: CANARY, secretString: CANARY,
            environment: { variables: { TOKEN: CANARY } },
            spec: { template: { spec: { containers: [{ name: "app", image: "nginx:1.27", env }] } }, jobTemplate: { spec: { template: { spec: { containers: [{ image: "nginx", env }] } } } } },
            containerDefinitions: JSON.stringify([{ name: "api", image: "api:1", environment: [{ name: "TOKEN", value: CANARY }], secrets: [{ name: "X", valueFrom: CANARY }] }]),
            containerProperties: `{"image":"etl:1","environment":[{"name":"K","value":"${CANARY}"}]`,
            policy: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Sid":"${CANARY}"`,
            assumeRolePolicy: `not json ${CANARY}`,
            tags: { immutable: "true", secret: CANARY },
            type,
        };
    };

    for (const policy of resourcePolicies) {
        it(`${policy.name} never quotes a data-bearing value`, async () => {
            for (const type of typesFor(policy)) {
                const reported = await runResourcePolicy(policy, { type, name: "leaky", props: canaryProps(type), urn: urnOf(type, "leaky") });
                for (const r of reported) {
                    assert.doesNotMatch(r.message, new RegExp(CANARY), `${policy.name} on ${type}: ${r.message}`);
                }
            }
        });
    }
});
