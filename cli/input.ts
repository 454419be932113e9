import * as fs from "fs";
import { policies } from "../rules";
import { configProblems } from "../rules/lib/config-validation";
import { ConfigError, type Props } from "../rules/lib/policy";
import { UsageError } from "./main";

/** What the commands are given: input files, policy-pack configs; every problem is a UsageError. */

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

/** A policy-pack config as `--policy-pack-config` takes it: per policy, a level or an object of settings. */
export type PackConfig = Record<string, unknown>;

/** Reads a whole file or, for `-`, standard input. */
export function readInput(file: string, what: string): string {
    try {
        return fs.readFileSync(file === "-" ? 0 : file, "utf8");
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new UsageError(`cannot read ${what} ${file === "-" ? "from standard input" : JSON.stringify(file)}${code ? ` (${code})` : ""}`);
    }
}

/** Parses JSON without ever quoting the text (it may hold secrets): only where it stopped. */
export function parseJson(text: string, what: string): unknown {
    try {
        return JSON.parse(text);
    } catch (e) {
        const position = /position (\d+)/.exec(String((e as Error).message))?.[1];
        throw new UsageError(`${what} is not valid JSON${position ? ` (error at character ${position})` : text.trim() === "" ? " (it is empty)" : ""}`);
    }
}

/** Reads a policy-pack config file and checks it against the pack's schemas, as Configure does. */
export function readPackConfig(file: string): PackConfig {
    const document = parseJson(readInput(file, "the config"), `--config ${file}`);
    if (document === null || typeof document !== "object" || Array.isArray(document)) {
        throw new UsageError(`--config ${file} must be a JSON object of settings by policy name`);
    }
    const config = document as PackConfig;
    const objects: Record<string, Props> = {};
    for (const [name, value] of Object.entries(config)) {
        objects[name] = typeof value === "string" ? { enforcementLevel: value } : (value as Props);
    }
    const problems = configProblems(policies, objects as Record<string, Record<string, unknown>>);
    if (problems.length > 0) {
        throw new UsageError(`--config ${file} is invalid:\n  - ${problems.join("\n  - ")}`);
    }
    return config;
}

/** The settings of one policy (without its level), whether the config gives an object or just a level. */
export function policySettings(config: PackConfig, name: string): Props {
    const value = config[name];
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        return {};
    }
    const { enforcementLevel: _level, ...settings } = value as Props;
    return settings;
}
