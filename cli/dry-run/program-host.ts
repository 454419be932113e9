/**
 * Runs one Pulumi program in this (child) process with the SDK's mocked resource monitor and
 * reports every resource registration back to the parent over IPC. A program is user code: it
 * runs in its own process so that a throw, a hang or a bad module cannot take the tool down.
 */
import * as fs from "fs";
import { register } from "module";
import * as path from "path";
import { fileURLToPath, pathToFileURL } from "url";
import type { CapturedResource, HostRequest, HostResponse, Unseen } from "./captured-stack";
import { answerDataSource } from "./data-sources";
import { registrationState } from "./provider-check";

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

/** The ES-module loader hooks: beside this file (both are compiled to bin/). */
const ESM_HOOKS = path.join(__dirname, "esm-hooks.js");

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
    const options = { compiler, transpileOnly: true, project: request.tsconfig, skipProject: !request.tsconfig };
    // The language host's ES-module mode needs ts-node's ESM hooks (ts-node 10), a compiler that knows
    // nodenext and Node's `module.register` (18.19, 20.6).
    if (request.esm && nodeNext && resolveFrom(request, "ts-node/esm") && typeof register === "function") {
        register(pathToFileURL(ESM_HOOKS).href, {
            data: { tsNode, options: { ...options, compilerOptions: { target: "ES2022", module: "nodenext", moduleResolution: "nodenext", sourceMap: true, ...fromTsconfig } } },
        });
        // ts-node's output carries inline source maps: errors then name the program's own lines.
        process.setSourceMapsEnabled(true);
        return;
    }
    (require(tsNode) as { register(options: object): void }).register({
        ...options,
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

// `import()` written so that the CommonJS output of the compiler keeps it (it would turn it into `require`).
const importModule = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<Record<string, unknown>>;

/** Loads the program as the language host does: `import` for an ES module, else `require`. */
async function loadProgram(request: HostRequest): Promise<unknown> {
    if (!request.esm) {
        // A directory is required as `dir/` so an adjacent `dir.json` is never picked.
        const main = fs.statSync(request.main).isDirectory() && !request.main.endsWith(path.sep) ? request.main + path.sep : request.main;
        return require(main) as unknown;
    }
    const exported = await importModule(pathToFileURL(fs.realpathSync(request.entry)).href);
    // A default export stands for the program, as long as it is the only export.
    if (Object.getOwnPropertyDescriptor(exported, "default") !== undefined) {
        if (Object.keys(exported).length !== 1) {
            throw new Error("expected the entry module to have either a default export or named exports, not both");
        }
        return exported.default;
    }
    return exported;
}

// Why a program failed is often far from where: a library's callback, a component's async
// initialization. The call from the program that set such work going is kept (its stack, formatted
// only if needed) and attached to an error raised there, so the error can name the program's line.
// A capture costs some microseconds, and programs make about five a resource; the default
// ten frames reach the program from a component's constructor or a library's helper.
const ORIGIN = Symbol("immutable-guard:program-origin");

interface CallSite {
    stack?: string;
}

function callSite(): CallSite {
    const site: CallSite = {};
    Error.captureStackTrace(site, callSite);
    return site;
}

function blame(error: unknown, site: CallSite): void {
    if (error instanceof Error && !(ORIGIN in error)) {
        Object.defineProperty(error, ORIGIN, { value: site, enumerable: false });
    }
}

interface PatchableSdk {
    Output: { prototype: { apply(func: (value: unknown) => unknown, runWithUnknowns?: boolean): unknown } };
    ComponentResource: { prototype: { initializeAndRegisterOutputs?: (...args: unknown[]) => Promise<unknown> } };
}

/** Remembers where the program called `apply` and created each component, for errors raised later inside them. */
function traceOrigins(sdk: PatchableSdk): void {
    const apply = sdk.Output.prototype.apply;
    sdk.Output.prototype.apply = function (this: unknown, func, runWithUnknowns) {
        const site = callSite();
        return apply.call(this, (value: unknown) => {
            try {
                const result = func(value);
                return result instanceof Promise ? result.catch((e: unknown) => { blame(e, site); throw e; }) : result;
            } catch (e) {
                blame(e, site);
                throw e;
            }
        }, runWithUnknowns);
    };
    const initialize = sdk.ComponentResource.prototype.initializeAndRegisterOutputs;
    if (initialize) {
        sdk.ComponentResource.prototype.initializeAndRegisterOutputs = function (this: unknown, ...args: unknown[]) {
            const site = callSite();
            return initialize.apply(this, args).catch((e: unknown) => {
                blame(e, site);
                throw e;
            });
        };
    }
}

/** A stack line's location, with `file://` URLs (ES modules) read as paths. */
function frameLocation(line: string): string {
    const text = line.trim().replace(/^at (async )?/, "");
    const inParens = /\((.*)\)$/.exec(text)?.[1] ?? text;
    return inParens.startsWith("file://") ? inParens.replace(/^file:\/\/[^:]*/, (url) => fileURLToPath(url)) : inParens;
}

function frames(stack: string | undefined): { line: string; location: string }[] {
    return (stack ?? "").split("\n").filter((l) => /^\s+at /.test(l)).map((line) => ({ line: line.trim().replace(/^at /, ""), location: frameLocation(line) }));
}

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

function inProgram(location: string, programDir: string): boolean {
    return location.startsWith(programDir + path.sep) && !location.includes(NODE_MODULES);
}

/** A frame of the program as the user reads it: paths relative to the program directory. */
function programFrame(frame: { line: string }, programDir: string): string {
    return frame.line.split(pathToFileURL(programDir).href + "/").join("").split(programDir + path.sep).join("");
}

/** A library's location from its package on: `@pulumi/kubernetes/yaml/yaml.js:83:40`. */
function libraryLocation(location: string): string {
    const at = location.lastIndexOf(NODE_MODULES);
    return at < 0 ? location : location.slice(at + NODE_MODULES.length);
}

/** An error as the user needs it: what went wrong and where in their program, not the tool's stack. */
export function describeProgramError(error: unknown, programDir: string, stackName = "<stack>"): string {
    if (!(error instanceof Error)) {
        return `the program threw ${typeof error === "string" ? JSON.stringify(error) : String(error)}`;
    }
    if (error.name === "TSError" || error.name === "SyntaxError") {
        return error.message.trim();
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "MODULE_NOT_FOUND" || code === "ERR_MODULE_NOT_FOUND") {
        return `${error.message.split("\n")[0]}; install the program's dependencies (npm install) and try again`;
    }
    if (code === "ERR_UNKNOWN_FILE_EXTENSION") {
        return `${error.message}; an ES-module TypeScript program needs ts-node 10 or later (npm install --save-dev ts-node typescript) and Node.js 18.19, 20.6 or later`;
    }
    const stack = frames(error.stack);
    const own = stack.find((f) => inProgram(f.location, programDir));
    const raisedIn = stack[0] && stack[0].location.includes(NODE_MODULES) ? `raised in ${libraryLocation(stack[0].location)}` : undefined;
    // Raised where the program's own code is not on the stack: the call that set the work going.
    const origin = own ?? frames((error as { [ORIGIN]?: CallSite })[ORIGIN]?.stack).find((f) => inProgram(f.location, programDir));
    const key = missingConfigKey(error);
    if (key) {
        // The SDK raises it for the program's own `require` of the key: that line is the place, not the SDK's.
        const line = own ? programFrame(own, programDir) : origin && path.relative(programDir, origin.location);
        // The SDK's advice (`pulumi config set`) needs a Pulumi stack; the dry run takes the value itself.
        return `the program requires the config value ${key}, which is not set${line ? ` (${line})` : ""}: pass it with \`--config-value ${key}=<value>\`, ` +
            `or set it in Pulumi.${stackName}.yaml`;
    }
    const where = own && !raisedIn
        ? programFrame(own, programDir)
        : [raisedIn, origin && `from ${path.relative(programDir, origin.location)}`].filter(Boolean).join(", ");
    return `${error.name}: ${error.message}${where ? ` (${where})` : ""}`;
}

interface Request {
    getType(): string;
    getName(): string;
    getCustom(): boolean;
    getRemote(): boolean;
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
        remote: request.getRemote(),
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

/** What the program could not show the dry run, and notes on how it ran, kept outside `run` so that a failure still reports them. */
const unseen: Unseen[] = [];
const notes = new Set<string>();
const unseenKeys = new Set<string>();

function notSeen(item: Unseen, key = `${item.kind}\u0000${item.type}\u0000${item.name ?? ""}`): void {
    if (!unseenKeys.has(key)) {
        unseenKeys.add(key);
        unseen.push(item);
    }
}

function remoteComponent(record: CapturedResource): Unseen {
    const pkg = record.type.split(":")[0];
    return {
        kind: "component",
        type: record.type,
        name: record.name,
        message: `${record.name} (${record.type}) is a component built inside the ${pkg} provider plugin: its resources exist only when ` +
            "the plugin runs, so the dry run does not check them; `pulumi preview --policy-pack` does",
    };
}

async function run(request: HostRequest): Promise<HostResponse> {
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
        return { ok: false, error: "cannot find @pulumi/pulumi from the program or the pack; install the program's dependencies (npm install)", unseen, notes: [] };
    }
    const pulumiDir = path.dirname(pulumiEntry);
    if (request.typescript) {
        registerTypeScript(request, pulumiDir);
    }
    const pulumi = require(pulumiEntry) as typeof import("@pulumi/pulumi");
    const settings = require(path.join(pulumiDir, "runtime", "settings")) as { getMonitor(): Monitor; waitForRPCs(): Promise<void> };
    const stack = require(path.join(pulumiDir, "runtime", "stack")) as { runInPulumiStack(init: () => Promise<unknown>): Promise<unknown> };
    traceOrigins(pulumi as unknown as PatchableSdk);

    await pulumi.runtime.setMocks({
        // Only a resource read by its id has one: any other id would be assigned by the provider.
        newResource: (args) => ({ id: args.id || undefined, state: registrationState(args.type, args.custom ?? true, args.inputs as Record<string, unknown>) }),
        call: (args) => {
            const answer = answerDataSource(args.token, args.inputs as Record<string, unknown>, { config: request.config, preview: request.preview, mocks: request.mocks });
            if (!answer.answered) {
                notSeen({ ...answer.unseen, type: args.token });
            }
            return answer.result;
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
        const component = record.remote ? remoteComponent(record) : undefined;
        if (component) {
            notSeen(component);
        }
        registerResource(req, (error, response) => {
            if (response) {
                record.urn = response.getUrn();
                atUp?.(response, record.custom);
                if (component) {
                    component.urn = record.urn;
                }
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

    await stack.runInPulumiStack(async () => {
        const exported = await loadProgram(request);
        // A program may export a function, possibly async, that builds the stack (as the language host allows).
        return typeof exported === "function" ? await (exported as () => unknown)() : exported;
    });
    await settings.waitForRPCs();
    return { ok: true, resources: captured.filter((r) => r.urn !== ""), unseen, notes: [...notes] };
}

let replied = false;

/** The first answer wins: a failure raised after the program returned must not be reported as a success, nor twice. */
function reply(response: HostResponse): void {
    if (!replied) {
        replied = true;
        process.send?.(response, () => process.exit(0));
    }
}

if (require.main === module) {
    process.once("message", (request: HostRequest) => {
        const fail = (error: unknown) => reply({ ok: false, error: describeProgramError(error, request.programDir, request.stack), unseen, notes: [...notes] });
        process.on("uncaughtException", fail);
        process.on("unhandledRejection", fail);
        // A registration whose input rejected fails only as an unhandled rejection, reported once the
        // current turn ends: the answer waits for it, as the language host fails such a program.
        run(request).then((response) => setImmediate(() => reply(response)), fail);
    });
}
