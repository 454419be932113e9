/**
 * Runs one Pulumi program in this (child) process with the SDK's mocked resource monitor and
 * reports every resource registration back to the parent over IPC. A program is user code: it
 * runs in its own process so that a throw, a hang or a bad module cannot take the tool down.
 */
import * as fs from "fs";
import * as path from "path";
import type { CapturedResource, HostRequest, HostResponse } from "./captured-stack";
import { simulateDataSource } from "./data-sources";

// Wire signatures of the values the SDK serializes specially (sdk/nodejs/runtime/rpc.ts).
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";

/**
 * The engine marshals analyzer inputs without resource references (a reference becomes the
 * resource's id, or its URN for a component) and without internal `__` keys.
 */
export function asAnalyzerSees(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(asAnalyzerSees);
    }
    if (value === null || typeof value !== "object") {
        return value;
    }
    const object = value as Record<string, unknown>;
    if (object[SIG_KEY] === RESOURCE_SIG) {
        return typeof object.id === "string" && object.id !== "" ? object.id : object.urn;
    }
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(object)) {
        if (!key.startsWith("__")) {
            out[key] = asAnalyzerSees(child);
        }
    }
    return out;
}

/** Resolves a module the way the Pulumi language host does: from the program first, then from the pack. */
function resolveFrom(request: HostRequest, id: string): string | undefined {
    try {
        return require.resolve(id, { paths: [request.programDir, request.packDir] });
    } catch {
        return undefined;
    }
}

function registerTypeScript(request: HostRequest, pulumiDir: string): void {
    const vendored = path.join(pulumiDir, "vendor");
    const compiler = resolveFrom(request, "typescript") ?? path.join(vendored, "typescript@3.8.3", "typescript.js");
    const tsNode = resolveFrom(request, "ts-node") ?? path.join(vendored, "ts-node@7.0.1");
    const ts = require(compiler) as typeof import("typescript");
    const [major, minor] = ts.version.split(".").map(Number);
    const nodeNext = major > 4 || (major === 4 && minor >= 7);
    // As the language host does: the tsconfig's own compiler options override its defaults.
    const fromTsconfig = request.tsconfig ? ts.readConfigFile(request.tsconfig, ts.sys.readFile).config?.compilerOptions ?? {} : {};
    // Types are checked once for all programs by the parent (see type-check.ts), so each program only transpiles.
    (require(tsNode) as { register(options: object): void }).register({
        compiler,
        transpileOnly: true,
        project: request.tsconfig,
        skipProject: !request.tsconfig,
        compilerOptions: {
            target: "ES2020",
            module: nodeNext ? "nodenext" : "commonjs",
            moduleResolution: nodeNext ? "nodenext" : "node",
            sourceMap: true,
            ...fromTsconfig,
        },
    });
}

/** The key of the SDK's ConfigMissingError (`config.require` of a key the stack does not set). */
function missingConfigKey(error: Error): string | undefined {
    const { key } = error as Error & { key?: unknown };
    return typeof key === "string" && error.message.startsWith("Missing required configuration variable") ? key : undefined;
}

/** An error as the user needs it: what went wrong and where in their program, not the tool's stack. */
export function describeProgramError(error: unknown, programDir: string, stack = "<stack>"): string {
    if (!(error instanceof Error)) {
        return `the program threw ${typeof error === "string" ? JSON.stringify(error) : String(error)}`;
    }
    if (error.name === "TSError" || error.name === "SyntaxError") {
        return error.message.trim();
    }
    if ((error as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND") {
        return `${error.message.split("\n")[0]}; install the program's dependencies (npm install) and try again`;
    }
    const frame = (error.stack ?? "").split("\n").slice(1)
        .map((line) => line.trim())
        .find((line) => line.includes(programDir) && !line.includes(`${path.sep}node_modules${path.sep}`));
    const where = frame ? ` (${frame.replace(/^at /, "").replace(programDir + path.sep, "")})` : "";
    const key = missingConfigKey(error);
    if (key) {
        // The SDK's advice (`pulumi config set`) needs a Pulumi stack; the dry run takes the value itself.
        return `the program requires the config value ${key}, which is not set${where}: pass it with \`--config-value ${key}=<value>\`, ` +
            `or set it in Pulumi.${stack}.yaml`;
    }
    return `${error.name}: ${error.message}${where}`;
}

interface Request {
    getType(): string;
    getName(): string;
    getCustom(): boolean;
    getParent(): string;
    getProvider(): string;
    getVersion(): string;
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
    getProtect(): boolean;
    getIgnorechangesList(): string[];
    getAliasurnsList(): string[];
    getDependenciesList(): string[];
    getPropertydependenciesMap(): { entries(): Iterable<[string, { getUrnsList(): string[] }]> };
}
/** A registration's response; `setUnknown` exists where the SDK knows outputs that stay unknown at `up`. */
interface RegistrationResponse {
    getUrn(): string;
    setUnknown?(unknown: boolean): void;
}
type Callback = (error: Error | null, response?: RegistrationResponse) => void;
interface Monitor {
    newUrn?(parent: string, type: string, name: string): string;
    registerResource(request: Request, callback: Callback): void;
    registerResourceOutputs(request: { getUrn(): string; getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined }, callback: Callback): void;
}

function capture(request: Request): CapturedResource {
    const propertyDependencies: Record<string, string[]> = {};
    for (const [key, deps] of request.getPropertydependenciesMap().entries()) {
        if (deps.getUrnsList().length > 0) {
            propertyDependencies[key] = deps.getUrnsList();
        }
    }
    return {
        type: request.getType(),
        name: request.getName(),
        urn: "",
        custom: request.getCustom(),
        parent: request.getParent(),
        provider: request.getProvider(),
        version: request.getVersion(),
        properties: asAnalyzerSees(request.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
        protect: request.getProtect(),
        ignoreChanges: request.getIgnorechangesList(),
        aliases: request.getAliasurnsList(),
        dependencies: request.getDependenciesList(),
        propertyDependencies,
    };
}

type ResolveProperties = (res: unknown, resolvers: unknown, type: string, name: string, allProps: Record<string, unknown>, deps: unknown, err: unknown, keepUnknowns?: boolean) => void;

/**
 * With no provider, a resource's outputs are its inputs. At `up` the SDK would take every other
 * output (an id, an ARN, a generated name, an endpoint) as known and absent, and a document built
 * from it would lose that part silently. In up mode they stay unknown, as at preview, so the rules
 * give their advisory: the SDK is told so as the engine tells it of a create it did not run (the
 * `unknown` mark of a registration's response), and an SDK older than that mark resolves each
 * custom resource's outputs as for a skipped step, where whatever is missing is unknown.
 */
function keepComputedOutputsUnknown(pulumiDir: string, pulumi: typeof import("@pulumi/pulumi"), notes: Set<string>): (response: RegistrationResponse, custom: boolean) => void {
    const rpc = require(path.join(pulumiDir, "runtime", "rpc")) as { resolveProperties?: ResolveProperties };
    const resolveProperties = rpc.resolveProperties;
    if (typeof resolveProperties === "function" && resolveProperties.length >= 8) {
        rpc.resolveProperties = (res, resolvers, type, name, allProps, deps, err, keepUnknowns) => {
            if (!pulumi.CustomResource.isInstance(res)) {
                return resolveProperties(res, resolvers, type, name, allProps, deps, err, keepUnknowns);
            }
            // An input that was unknown comes back as an undefined value: unknown too, not absent.
            const known = Object.fromEntries(Object.entries(allProps).filter(([, value]) => value !== undefined));
            return resolveProperties(res, resolvers, type, name, known, deps, err, true);
        };
    } else {
        notes.add("this program's @pulumi/pulumi is too old to keep outputs unknown at `up`: in --mode up, values only a provider computes " +
            "(ids, ARNs, generated names) read as absent; preview mode sees them as unknown");
    }
    return (response, custom) => {
        if (custom) {
            response.setUnknown?.(true);
        }
    };
}

async function run(request: HostRequest): Promise<HostResponse> {
    const notes = new Set<string>();
    process.chdir(request.programDir);
    // The SDK reads its settings from the environment the language host would set.
    process.env.PULUMI_CONFIG = JSON.stringify(request.config);
    process.env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(request.secretKeys);
    process.env.PULUMI_NODEJS_PROJECT = request.project;
    process.env.PULUMI_NODEJS_STACK = request.stack;
    process.env.PULUMI_NODEJS_ORGANIZATION = request.organization;
    process.env.PULUMI_NODEJS_DRY_RUN = String(request.preview);

    const pulumiEntry = resolveFrom(request, "@pulumi/pulumi");
    if (!pulumiEntry) {
        return { ok: false, error: "cannot find @pulumi/pulumi from the program or the pack; install the program's dependencies (npm install)", notes: [] };
    }
    const pulumiDir = path.dirname(pulumiEntry);
    if (request.typescript) {
        registerTypeScript(request, pulumiDir);
    }
    const pulumi = require(pulumiEntry) as typeof import("@pulumi/pulumi");
    const settings = require(path.join(pulumiDir, "runtime", "settings")) as { getMonitor(): Monitor; waitForRPCs(): Promise<void> };
    const stack = require(path.join(pulumiDir, "runtime", "stack")) as { runInPulumiStack(init: () => Promise<unknown>): Promise<unknown> };

    await pulumi.runtime.setMocks({
        // Only a resource read by its id has one: any other id would be assigned by the provider.
        newResource: (args) => ({ id: args.id || undefined, state: args.inputs }),
        call: (args) => {
            const { result, simulated } = simulateDataSource(args.token, args.inputs as Record<string, unknown>, request.config);
            if (!simulated) {
                notes.add(`the data source ${args.token} is not simulated by the dry run; it returned no data`);
            }
            return result;
        },
    }, request.project, request.stack, request.preview, request.organization);

    const captured: CapturedResource[] = [];
    const monitor = settings.getMonitor();
    // URNs as the engine makes them, which locks and exemptions are written against: the mock monitor
    // puts the root stack's type in front of its children and keeps only the last type of a parent chain.
    monitor.newUrn = (parent, type, name) => {
        const parentType = parent ? parent.split("::")[2] : undefined;
        const qualified = parentType && parentType !== "pulumi:pulumi:Stack" ? `${parentType}$${type}` : type;
        return `urn:pulumi:${request.stack}::${request.project}::${qualified}::${name}`;
    };
    const atUp = request.preview ? undefined : keepComputedOutputsUnknown(pulumiDir, pulumi, notes);
    const registerResource = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
        const record = capture(req);
        captured.push(record);
        registerResource(req, (error, response) => {
            if (response) {
                record.urn = response.getUrn();
                atUp?.(response, record.custom);
            }
            callback(error, response);
        });
    };
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req, callback) => {
        const record = captured.find((r) => r.urn === req.getUrn());
        if (record) {
            record.outputs = asAnalyzerSees(req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>;
        }
        registerOutputs(req, callback);
    };

    // As the language host does: a directory is required as `dir/` so an adjacent `dir.json` is never picked.
    const main = fs.statSync(request.main).isDirectory() && !request.main.endsWith(path.sep) ? request.main + path.sep : request.main;
    await stack.runInPulumiStack(async () => {
        const exported = require(main) as unknown;
        // A program may export a function, possibly async, that builds the stack (as the language host allows).
        return typeof exported === "function" ? await (exported as () => unknown)() : exported;
    });
    await settings.waitForRPCs();
    return { ok: true, resources: captured.filter((r) => r.urn !== ""), notes: [...notes] };
}

function reply(response: HostResponse): void {
    process.send?.(response, () => process.exit(0));
}

if (require.main === module) {
    process.once("message", (request: HostRequest) => {
        const fail = (error: unknown) => reply({ ok: false, error: describeProgramError(error, request.programDir, request.stack), notes: [] });
        process.on("uncaughtException", fail);
        process.on("unhandledRejection", fail);
        run(request).then(reply, fail);
    });
}
