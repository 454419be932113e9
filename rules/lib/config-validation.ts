import * as path from "path";
import type { EnforcementLevel, Policy } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { setConfigInForce, type ConfigEntry } from "./config-digest";
import { FLAG_RULES_POLICY, setPackFlagRules } from "./flagging";
import { setConfiguredLevels, setPackFindings } from "./policy";
import { checkLockedSettings, type CheckedPolicy } from "./settings-check";

type PackConfig = Record<string, Record<string, unknown>>;

interface ConfiguredPolicy extends Policy {
    configSchema?: { properties: Record<string, PolicyConfigJSONSchema>; required?: string[] };
    rule?: CheckedPolicy["rule"];
}

const ENFORCEMENT_LEVELS = ["advisory", "mandatory", "remediate", "disabled"];

type Validator = import("ajv").ValidateFunction;

// Compiled on the first Configure and kept: the policies, and so their schemas, never change.
const validators = new WeakMap<ConfiguredPolicy, Validator>();
let ajv: import("ajv").default | undefined;

function validatorOf(policy: ConfiguredPolicy): Validator {
    let validate = validators.get(policy);
    if (!validate) {
        // Loaded here, not at start-up: only Configure needs a JSON-schema validator.
        ajv ??= new (require("ajv") as typeof import("ajv").default)({ allErrors: true, strict: false });
        validate = ajv.compile({
            type: "object",
            properties: { ...(policy.configSchema?.properties ?? {}), enforcementLevel: { enum: ENFORCEMENT_LEVELS } },
            required: policy.configSchema?.required ?? [],
            additionalProperties: false,
        });
        validators.set(policy, validate);
    }
    return validate;
}

/**
 * Checks a whole policy-pack config against the pack's schemas and returns one readable problem
 * per bad key. Unlike the schemas the pack advertises, unknown keys are refused: a misspelt key
 * would otherwise silently leave a rule at its default.
 */
export function configProblems(policies: readonly ConfiguredPolicy[], config: PackConfig): string[] {
    const byName = new Map(policies.map((p) => [p.name, p]));
    const problems: string[] = [];
    for (const [policyName, values] of Object.entries(config)) {
        const policy = byName.get(policyName);
        if (!policy) {
            if (policyName !== "all") {
                problems.push(`"${policyName}" is not a policy of this pack (policies: ${[...byName.keys()].join(", ")})`);
            }
            continue;
        }
        const validate = validatorOf(policy);
        if (!validate(values)) {
            for (const error of validate.errors ?? []) {
                const key = error.keyword === "additionalProperties"
                    ? `${error.instancePath}/${(error.params as { additionalProperty: string }).additionalProperty}`
                    : error.instancePath;
                const where = key ? key.replace(/^\//, "").replace(/\//g, ".") : "(top level)";
                const detail = error.keyword === "additionalProperties" ? "is not a known setting" : error.message ?? "is invalid";
                problems.push(`${policyName}.${where} ${detail}`);
            }
        }
    }
    return problems;
}

interface ConfigureCall {
    request: {
        getPolicyconfigMap(): { entries(): Iterable<[string, { getProperties(): { toJavaScript(): Record<string, unknown> } | undefined; getEnforcementlevel(): number }]> };
    };
}
type Callback = (error: { code: number; details: string } | null, response?: unknown) => void;
type Handler = (call: ConfigureCall, callback: Callback) => unknown;

/**
 * `@pulumi/policy` accepts any config at Configure and leaves checking to the CLI, so a config
 * pushed from elsewhere (a policy group, another CLI version, a test) could reach the rules
 * unchecked. This wraps the pack's Configure handler so a bad config is refused there, naming
 * the key, records each policy's configured enforcement level and the config digest for reports, and
 * compares the whole config with the settings the lock records (no policy sees another's config).
 */
export function refuseInvalidConfigAtConfigure(policies: readonly ConfiguredPolicy[]): void {
    // The CLI starts the pack in its own directory, which a lockFile is relative to.
    setConfigInForce(policies, {}, process.cwd());
    const policyDir = path.dirname(require.resolve("@pulumi/policy"));
    // The grpc-js instance the SDK serves with, wherever npm placed it.
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [policyDir] })) as typeof import("@grpc/grpc-js");
    const protoutil = require(path.join(policyDir, "protoutil")) as { convertEnforcementLevel(level: number): EnforcementLevel };
    const addService = grpc.Server.prototype.addService;
    grpc.Server.prototype.addService = function (service, implementation) {
        const configure = implementation.configure as Handler | undefined;
        if (configure) {
            const validatingConfigure: Handler = (call, callback) => {
                const config: PackConfig = {};
                const levels = new Map<string, EnforcementLevel>();
                try {
                    for (const [name, value] of call.request.getPolicyconfigMap().entries()) {
                        const struct = value.getProperties();
                        const properties = struct?.toJavaScript() ?? {};
                        if (struct) {
                            // The SDK's own Configure converts the same message next: one copy of a large lock, not two.
                            struct.toJavaScript = () => properties;
                        }
                        config[name] = properties;
                        levels.set(name, protoutil.convertEnforcementLevel(value.getEnforcementlevel()));
                    }
                } catch (e) {
                    callback({ code: grpc.status.INVALID_ARGUMENT, details: `immutable-guard: unreadable policy config (${String(e)})` });
                    return;
                }
                const problems = configProblems(policies, config);
                if (problems.length > 0) {
                    const details = `immutable-guard: invalid policy pack config:\n  - ${problems.join("\n  - ")}`;
                    callback({ code: grpc.status.INVALID_ARGUMENT, details });
                    return;
                }
                setConfiguredLevels(levels);
                setPackFlagRules(config[FLAG_RULES_POLICY]);
                setPackFindings(checkLockedSettings(policies, config, levels));
                const inForce: Record<string, ConfigEntry> = {};
                for (const [name, properties] of Object.entries(config)) {
                    // A copy of the top level: the SDK's Configure adds enforcementLevel to the object it shares.
                    inForce[name] = { enforcementLevel: levels.get(name), properties: { ...properties } };
                }
                setConfigInForce(policies, inForce, process.cwd());
                return configure(call, callback);
            };
            implementation = { ...implementation, configure: validatingConfigure as unknown as typeof implementation.configure };
        }
        return addService.call(this, service, implementation);
    };
}
