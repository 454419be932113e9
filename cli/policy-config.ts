import * as fs from "fs";
import { configProblems } from "../rules/lib/config-validation";
import { isJsonObject } from "../rules/lib/json-property";
import { ConfigError } from "../rules/lib/policy";
import type { Level, PolicyConfigEntry, PolicyDescription } from "./analyzer-client";
import { parseJson } from "./input";
import { UsageError } from "./command-line";

/**
 * Policy-pack config handled exactly as the Pulumi CLI handles `--policy-pack-config`: the same
 * file shape, the same defaults and precedence, the same (lenient) schema validation, and one
 * Configure entry for every policy of the pack. The pack itself then refuses unknown keys.
 */

export type PackConfig = Record<string, PolicyConfigEntry>;

/** A config file as read: its entries, and its object as written, for a command that writes it back changed. */
export interface PolicyPackConfigFile {
    document: Record<string, unknown>;
    config: PackConfig;
}

const LEVELS: readonly Level[] = ["advisory", "mandatory", "remediate", "disabled"];

function isLevel(value: unknown): value is Level {
    return typeof value === "string" && (LEVELS as readonly string[]).includes(value);
}

function readDocument(text: string, source: string): Record<string, unknown> {
    // As the CLI does: an empty file is no config at all.
    if (text.trim() === "") {
        return {};
    }
    const raw = parseJson(text, source);
    if (!isJsonObject(raw)) {
        throw new UsageError(`${source} must hold a JSON object keyed by policy name`);
    }
    return raw;
}

function entriesOf(document: Record<string, unknown>, source: string): PackConfig {
    const config: PackConfig = {};
    for (const [policy, value] of Object.entries(document)) {
        if (policy === "environments") {
            // Pulumi ESC environment references: resolved by Pulumi Cloud, not by a local run.
            continue;
        }
        if (typeof value === "string") {
            if (!isLevel(value)) {
                throw new UsageError(`${source}: "${value}" is not a valid enforcement level for "${policy}" (${LEVELS.join(", ")})`);
            }
            config[policy] = { enforcementLevel: value, properties: {} };
        } else if (isJsonObject(value)) {
            const { enforcementLevel, ...properties } = value;
            if (enforcementLevel !== undefined && !isLevel(enforcementLevel)) {
                throw new UsageError(`${source}: ${JSON.stringify(enforcementLevel)} is not a valid enforcementLevel for "${policy}" (${LEVELS.join(", ")})`);
            }
            if (enforcementLevel === undefined && Object.keys(properties).length === 0) {
                continue;
            }
            config[policy] = { enforcementLevel, properties };
        } else {
            throw new UsageError(`${source}: the value of "${policy}" must be an enforcement level or an object`);
        }
    }
    return config;
}

/**
 * Reads a config file's text: each key is a policy name (or `all`) whose value is an enforcement
 * level or an object of settings that may include `enforcementLevel`.
 */
export function parsePolicyPackConfig(text: string, source: string): PackConfig {
    return entriesOf(readDocument(text, source), source);
}

/** Reads a config file or, for `-`, standard input. */
export function readPolicyPackConfig(file: string): PolicyPackConfigFile {
    let text: string;
    try {
        text = fs.readFileSync(file === "-" ? 0 : file, "utf8");
    } catch (e) {
        throw new UsageError(`cannot read policy config ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const document = readDocument(text, file);
    return { document, config: entriesOf(document, file) };
}

/**
 * For a command that applies `--config` without starting the pack (lock, plan-check): also refuses
 * what the pack's Configure would refuse, so a misspelt key fails there as it would in a preview.
 */
export function readValidPolicyPackConfig(file: string): PolicyPackConfigFile {
    const read = readPolicyPackConfig(file);
    // Loaded here, not at start-up: the dry run and report read configs too but never run the rules in this process.
    const { policies } = require("../rules") as typeof import("../rules");
    const problems = configProblems(policies, settingsWithLevels(read.config));
    if (problems.length > 0) {
        throw new UsageError(`--config ${file} is invalid:\n  - ${problems.join("\n  - ")}`);
    }
    return read;
}

/** Each policy's settings with its level among them, as Configure takes them. */
export function settingsWithLevels(config: PackConfig): Record<string, Record<string, unknown>> {
    return Object.fromEntries(Object.entries(config).map(([name, entry]) =>
        [name, { ...entry.properties, ...(entry.enforcementLevel !== undefined ? { enforcementLevel: entry.enforcementLevel } : {}) }]));
}

/** Runs a reader of config values, turning its ConfigError into a UsageError that says where the value came from. */
export function fromConfig<T>(where: string, read: () => T): T {
    try {
        return read();
    } catch (e) {
        if (e instanceof ConfigError) {
            throw new UsageError(`${where}${e.message}`);
        }
        throw e;
    }
}

function applyConfig(result: PackConfig, given: PackConfig): PackConfig {
    const all = given.all;
    if (all && isLevel(all.enforcementLevel)) {
        for (const [name, entry] of Object.entries(result)) {
            result[name] = { enforcementLevel: all.enforcementLevel, properties: entry.properties };
        }
    }
    // `all` is applied above and then, as in the CLI, also kept as an entry of its own.
    for (const [policy, entry] of Object.entries(given)) {
        const current = result[policy];
        result[policy] = {
            enforcementLevel: entry.enforcementLevel ?? current?.enforcementLevel,
            properties: { ...(current?.properties ?? {}), ...entry.properties },
        };
    }
    return result;
}

/**
 * The config every policy receives at Configure: schema defaults, then the pack's initial
 * config, then the file's; validated against each policy's schema the way the CLI does.
 * Returns the problems instead of a config when it is invalid.
 */
export function reconcilePolicyPackConfig(
    policies: readonly PolicyDescription[],
    initialConfig: PackConfig,
    config: PackConfig,
): { config: PackConfig; problems: [] } | { config?: undefined; problems: string[] } {
    let result: PackConfig = {};
    for (const policy of policies) {
        const properties: Record<string, unknown> = {};
        for (const [key, schema] of Object.entries(policy.configSchema ?? {})) {
            if (schema !== null && typeof schema === "object" && "default" in schema) {
                properties[key] = (schema as { default: unknown }).default;
            }
        }
        result[policy.name] = { enforcementLevel: policy.enforcementLevel, properties };
    }
    result = applyConfig(result, initialConfig);
    result = applyConfig(result, config);

    const Ajv = require("ajv") as typeof import("ajv").default;
    const ajv = new Ajv({ allErrors: true, strict: false });
    const problems: string[] = [];
    for (const policy of policies) {
        const schema = {
            type: "object",
            ...(policy.configSchema && Object.keys(policy.configSchema).length > 0 ? { properties: policy.configSchema } : {}),
            ...(policy.required.length > 0 ? { required: policy.required } : {}),
        };
        const validate = ajv.compile(schema);
        if (!validate(result[policy.name]?.properties ?? {})) {
            for (const error of validate.errors ?? []) {
                const where = error.instancePath ? error.instancePath.replace(/^\//, "").replace(/\//g, ".") + " " : "";
                problems.push(`${policy.name}: ${where}${error.message ?? "is invalid"}`);
            }
        }
    }
    return problems.length > 0 ? { problems: problems.sort() } : { config: result, problems: [] };
}
