import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { isJsonObject } from "../../rules/lib/json-property";
import { UsageError } from "../command-line";

/** Everything the dry run needs to know about one Pulumi program directory. */
export interface ProgramProject {
    dir: string;
    /** The directory as the user should read it: relative to the working directory. */
    displayDir: string;
    project: string;
    description?: string;
    stack: string;
    /** What the language host would `require`: the program directory or its `main`. */
    main: string;
    /** The file that defines the program, where resources are looked for by name. */
    entry: string;
    typescript: boolean;
    /** Its package.json says `"type": "module"`: it is imported as an ES module, as the language host does. */
    esm: boolean;
    tsconfig?: string;
    /** Stack config in the form the Node.js SDK reads from `PULUMI_CONFIG`. */
    config: Record<string, string>;
    secretKeys: string[];
    /** `policy-config.json` beside the program: its default policy-pack config. */
    policyConfigFile?: string;
}

/** A program that cannot be run: reported as a load error, and the other programs still run. */
export class ProgramError extends Error {}

export const PROJECT_FILE = "Pulumi.yaml";
const DEFAULT_POLICY_CONFIG = "policy-config.json";
const DEFAULT_STACK = "dev";
// Stand-in for a `secure:` config value, which only the stack's secrets provider can decrypt.
export const SECURE_PLACEHOLDER = "[secret]";

export function displayPath(file: string): string {
    const relative = path.relative(process.cwd(), file);
    return (relative === "" ? "." : relative.startsWith("..") || path.isAbsolute(relative) ? file : relative).split(path.sep).join("/");
}

/** Whether `file` is inside `dir` (not `dir` itself). */
export function isWithin(file: string, dir: string): boolean {
    const relative = path.relative(dir, file);
    return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
}

/**
 * Expands the directories given on the command line: a program directory stands for itself; a
 * directory without `Pulumi.yaml` stands for the programs directly inside it (so `examples`
 * works where the shell does not expand `examples/*`).
 */
export function programDirectories(args: readonly string[]): string[] {
    const dirs: string[] = [];
    for (const arg of args) {
        const dir = path.resolve(arg);
        if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
            throw new UsageError(`${arg} is not a directory`);
        }
        if (fs.existsSync(path.join(dir, PROJECT_FILE))) {
            dirs.push(dir);
            continue;
        }
        const children = fs.readdirSync(dir, { withFileTypes: true })
            .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, PROJECT_FILE)))
            .map((d) => path.join(dir, d.name))
            .sort();
        if (children.length === 0) {
            throw new UsageError(`${arg} has no ${PROJECT_FILE}, and no directory inside it has one`);
        }
        dirs.push(...children);
    }
    return [...new Set(dirs)];
}

function readYaml(file: string): Record<string, unknown> {
    let doc: unknown;
    try {
        doc = YAML.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new ProgramError(`${displayPath(file)} cannot be read: ${(e as Error).message}`);
    }
    if (doc === null || doc === undefined) {
        return {};
    }
    if (typeof doc !== "object" || Array.isArray(doc)) {
        throw new ProgramError(`${displayPath(file)} must be a YAML mapping`);
    }
    return doc as Record<string, unknown>;
}

function chooseStack(dir: string, requested: string | undefined): string {
    if (requested) {
        return requested;
    }
    const stacks = fs.readdirSync(dir)
        .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
        .filter((s): s is string => !!s);
    return stacks.length === 1 ? stacks[0] : DEFAULT_STACK;
}

function configValue(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** A stack config value given on the command line (`--config-value key=value`). */
export interface ConfigValue {
    /** `namespace:name`, or a bare name of the project's own namespace, as `pulumi config set` takes it. */
    key: string;
    value: string;
}

/** Reads `--config-value` arguments; a malformed one is a usage error that never echoes its value. */
export function parseConfigValues(args: readonly string[]): ConfigValue[] {
    return args.map((arg) => {
        const at = arg.indexOf("=");
        const key = at < 0 ? "" : arg.slice(0, at);
        if (at < 0 || !/^[^:\s=]+(?::[^:\s=]+)*$/.test(key)) {
            throw new UsageError(`--config-value takes key=value, with a key such as region, aws:region or my-project:region` +
                (at < 0 ? "; one has no =" : `; "${key}" is not a config key`));
        }
        return { key, value: arg.slice(at + 1) };
    });
}

/** Project defaults (`config:` in Pulumi.yaml), overlaid by the stack file's values, then the command line's. */
function stackConfig(
    dir: string,
    project: string,
    projectDoc: Record<string, unknown>,
    stack: string,
    overrides: readonly ConfigValue[],
): { config: Record<string, string>; secretKeys: string[] } {
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const qualify = (key: string) => (key.includes(":") ? key : `${project}:${key}`);
    const projectConfig = projectDoc.config;
    if (projectConfig && typeof projectConfig === "object") {
        for (const [key, spec] of Object.entries(projectConfig as Record<string, unknown>)) {
            const declared = isJsonObject(spec) ? spec : undefined;
            const value = declared ? declared.value ?? declared.default : spec;
            if (value !== undefined) {
                config[qualify(key)] = configValue(value);
            }
        }
    }
    const stackFile = ["yaml", "yml"].map((ext) => path.join(dir, `Pulumi.${stack}.${ext}`)).find((f) => fs.existsSync(f));
    const stackValues = stackFile ? readYaml(stackFile).config : undefined;
    if (stackValues && typeof stackValues === "object") {
        for (const [key, value] of Object.entries(stackValues as Record<string, unknown>)) {
            const secure = value !== null && typeof value === "object" && "secure" in (value as object);
            config[qualify(key)] = secure ? SECURE_PLACEHOLDER : configValue(value);
            if (secure) {
                secretKeys.push(qualify(key));
            }
        }
    }
    // A value the stack file keeps `secure:` stays secret when given in plain text here.
    for (const { key, value } of overrides) {
        config[qualify(key)] = value;
    }
    return { config, secretKeys };
}

function runtimeOf(doc: Record<string, unknown>): { name: unknown; options: Record<string, unknown> } {
    const runtime = doc.runtime;
    if (runtime !== null && typeof runtime === "object") {
        const { name, options } = runtime as { name?: unknown; options?: unknown };
        return { name, options: options && typeof options === "object" ? (options as Record<string, unknown>) : {} };
    }
    return { name: runtime, options: {} };
}

/** Whether the package a program belongs to (the nearest package.json above it) is an ES module. */
function isEsModule(main: string): boolean {
    let dir = fs.existsSync(main) && fs.statSync(main).isDirectory() ? main : path.dirname(main);
    for (;;) {
        const manifest = path.join(dir, "package.json");
        if (fs.existsSync(manifest)) {
            try {
                return (JSON.parse(fs.readFileSync(manifest, "utf8")) as { type?: unknown }).type === "module";
            } catch (e) {
                throw new ProgramError(`${displayPath(manifest)} cannot be read: ${(e as Error).message}`);
            }
        }
        const parent = path.dirname(dir);
        if (parent === dir) {
            return false;
        }
        dir = parent;
    }
}

/**
 * The file the program starts from: `main` itself, else the index the language host picks, for an
 * ES module as `node` would (`index.js`, `index.mjs`, `index.ts`, `index.mts`), for CommonJS
 * `index.ts` before `index.js`, the file where the resources are declared.
 */
function entryFile(main: string, esm: boolean): string {
    if (fs.existsSync(main) && fs.statSync(main).isFile()) {
        return main;
    }
    for (const candidate of esm ? ["index.js", "index.mjs", "index.ts", "index.mts"] : ["index.ts", "index.js"]) {
        const file = path.join(main, candidate);
        if (fs.existsSync(file)) {
            return file;
        }
    }
    throw new ProgramError(`${displayPath(main)} has no ${esm ? "index.js, index.mjs, index.ts or index.mts" : "index.ts or index.js"} to run`);
}

export function loadProject(dir: string, requestedStack?: string, configValues: readonly ConfigValue[] = []): ProgramProject {
    const doc = readYaml(path.join(dir, PROJECT_FILE));
    const project = doc.name;
    if (typeof project !== "string" || project === "") {
        throw new ProgramError(`${displayPath(path.join(dir, PROJECT_FILE))} has no project name`);
    }
    const runtime = runtimeOf(doc);
    if (runtime.name !== "nodejs") {
        throw new ProgramError(`${displayPath(dir)} uses the ${JSON.stringify(runtime.name)} runtime; the dry run runs Node.js (TypeScript or JavaScript) programs only`);
    }
    const main = typeof doc.main === "string" ? path.resolve(dir, doc.main) : dir;
    const stack = chooseStack(dir, requestedStack);
    const esm = isEsModule(main);
    const tsconfig = path.join(dir, "tsconfig.json");
    const policyConfig = path.join(dir, DEFAULT_POLICY_CONFIG);
    return {
        dir,
        displayDir: displayPath(dir),
        project,
        description: typeof doc.description === "string" ? doc.description.trim() : undefined,
        stack,
        main,
        entry: entryFile(main, esm),
        typescript: runtime.options.typescript !== false,
        esm,
        tsconfig: fs.existsSync(tsconfig) ? tsconfig : undefined,
        ...stackConfig(dir, project, doc, stack, configValues),
        policyConfigFile: fs.existsSync(policyConfig) ? policyConfig : undefined,
    };
}
