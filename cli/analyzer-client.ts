import { spawn, type ChildProcess } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as enginerpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as enginepb from "@pulumi/pulumi/proto/engine_pb";
import * as pluginpb from "@pulumi/pulumi/proto/plugin_pb";

/** A resource as the engine describes it to an analyzer. */
export interface AnalyzedResource {
    type: string;
    urn: string;
    name: string;
    properties: Record<string, unknown>;
    options?: { protect?: boolean; ignoreChanges?: string[]; parent?: string; aliases?: string[] };
    provider?: { type: string; urn: string; name: string; properties: Record<string, unknown> };
    parent?: string;
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
}

export type Level = "advisory" | "mandatory" | "remediate" | "disabled";

export interface ReturnedDiagnostic {
    policyName: string;
    policyPackName: string;
    policyPackVersion: string;
    description: string;
    message: string;
    enforcementLevel: Level;
    urn: string;
}

export type Severity = "low" | "medium" | "high" | "critical";

export interface PolicyDescription {
    name: string;
    displayName: string;
    description: string;
    enforcementLevel: Level;
    remediationSteps: string;
    configSchema?: Record<string, unknown>;
    required: string[];
    severity?: Severity;
    tags: string[];
    url?: string;
}

/** One policy's entry in a policy-pack config as Configure carries it. */
export interface PolicyConfigEntry {
    enforcementLevel?: Level;
    properties: Record<string, unknown>;
}

const LEVELS: Record<number, Level> = {
    [analyzerpb.EnforcementLevel.ADVISORY]: "advisory",
    [analyzerpb.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzerpb.EnforcementLevel.DISABLED]: "disabled",
    [analyzerpb.EnforcementLevel.REMEDIATE]: "remediate",
};

const SEVERITIES: Record<number, Severity | undefined> = {
    [analyzerpb.PolicySeverity.POLICY_SEVERITY_LOW]: "low",
    [analyzerpb.PolicySeverity.POLICY_SEVERITY_MEDIUM]: "medium",
    [analyzerpb.PolicySeverity.POLICY_SEVERITY_HIGH]: "high",
    [analyzerpb.PolicySeverity.POLICY_SEVERITY_CRITICAL]: "critical",
};

const LEVEL_CODES: Record<Level, analyzerpb.EnforcementLevel> = {
    advisory: analyzerpb.EnforcementLevel.ADVISORY,
    mandatory: analyzerpb.EnforcementLevel.MANDATORY,
    disabled: analyzerpb.EnforcementLevel.DISABLED,
    remediate: analyzerpb.EnforcementLevel.REMEDIATE,
};

/** The engine's marker for a secret value on the wire; the pack unwraps it before policies run. */
export const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";
const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

export function secret(value: unknown): Record<string, unknown> {
    return { [SECRET_SIGNATURE]: SECRET_SIG_VALUE, value };
}

function unary<Req, Res>(client: grpc.Client, method: string, request: Req, timeoutMs: number): Promise<Res> {
    return new Promise((resolve, reject) => {
        const deadline = new Date(Date.now() + timeoutMs);
        const call = (client as unknown as Record<string, (r: Req, m: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: Res) => void) => void>)[method];
        call.call(client, request, new grpc.Metadata(), { deadline }, (error, response) => (error ? reject(error) : resolve(response)));
    });
}

function resourceOptions(options: AnalyzedResource["options"]): analyzerpb.AnalyzerResourceOptions {
    const opts = new analyzerpb.AnalyzerResourceOptions();
    opts.setProtect(!!options?.protect);
    opts.setIgnorechangesList(options?.ignoreChanges ?? []);
    opts.setAliasesList(options?.aliases ?? []);
    if (options?.parent) {
        opts.setParent(options.parent);
    }
    return opts;
}

function providerResource(provider: AnalyzedResource["provider"]): analyzerpb.AnalyzerProviderResource | undefined {
    if (!provider) {
        return undefined;
    }
    const p = new analyzerpb.AnalyzerProviderResource();
    p.setType(provider.type);
    p.setUrn(provider.urn);
    p.setName(provider.name);
    p.setProperties(Struct.fromJavaScript(provider.properties as never));
    return p;
}

/** The Configure request the CLI sends: each policy's enforcementLevel apart from its properties. */
export function configureRequest(config: Record<string, Record<string, unknown>>): analyzerpb.ConfigureAnalyzerRequest {
    const request = new analyzerpb.ConfigureAnalyzerRequest();
    const map = request.getPolicyconfigMap();
    for (const [policy, values] of Object.entries(config)) {
        const { enforcementLevel, ...properties } = values;
        const entry = new analyzerpb.PolicyConfig();
        entry.setEnforcementlevel(LEVEL_CODES[(enforcementLevel as Level) ?? "mandatory"] ?? analyzerpb.EnforcementLevel.MANDATORY);
        entry.setProperties(Struct.fromJavaScript(properties as never));
        map.set(policy, entry);
    }
    return request;
}

/** The fields an Analyze request and an AnalyzeStack resource share. */
interface ResourceMessage {
    setType(value: string): unknown;
    setUrn(value: string): unknown;
    setName(value: string): unknown;
    setProperties(value?: Struct): unknown;
    setOptions(value?: analyzerpb.AnalyzerResourceOptions): unknown;
    setProvider(value?: analyzerpb.AnalyzerProviderResource): unknown;
}

function withResource<M extends ResourceMessage>(message: M, resource: AnalyzedResource): M {
    message.setType(resource.type);
    message.setUrn(resource.urn);
    message.setName(resource.name);
    message.setProperties(Struct.fromJavaScript(resource.properties as never));
    message.setOptions(resourceOptions(resource.options));
    const provider = providerResource(resource.provider);
    if (provider) {
        message.setProvider(provider);
    }
    return message;
}

/** The Analyze request the engine sends for one resource's inputs. */
export function analyzeRequest(resource: AnalyzedResource): analyzerpb.AnalyzeRequest {
    return withResource(new analyzerpb.AnalyzeRequest(), resource);
}

/** The AnalyzeStack request the engine sends with every resource of the stack. */
export function analyzeStackRequest(resources: readonly AnalyzedResource[]): analyzerpb.AnalyzeStackRequest {
    const request = new analyzerpb.AnalyzeStackRequest();
    request.setResourcesList(resources.map((resource) => {
        const r = withResource(new analyzerpb.AnalyzerResource(), resource);
        if (resource.parent) {
            r.setParent(resource.parent);
        }
        r.setDependenciesList(resource.dependencies ?? []);
        for (const [key, urns] of Object.entries(resource.propertyDependencies ?? {})) {
            const deps = new analyzerpb.AnalyzerPropertyDependencies();
            deps.setUrnsList(urns);
            r.getPropertydependenciesMap().set(key, deps);
        }
        return r;
    }));
    return request;
}

export function toDiagnostics(response: analyzerpb.AnalyzeResponse): ReturnedDiagnostic[] {
    return response.getDiagnosticsList().map((d) => ({
        policyName: d.getPolicyname(),
        policyPackName: d.getPolicypackname(),
        policyPackVersion: d.getPolicypackversion(),
        description: d.getDescription(),
        message: d.getMessage(),
        enforcementLevel: LEVELS[d.getEnforcementlevel()] ?? "advisory",
        urn: d.getUrn(),
    }));
}

/** A stand-in for the engine's Engine service, which the pack logs to. */
function startFakeEngine(logs: string[]): Promise<{ server: grpc.Server; address: string }> {
    const server = new grpc.Server();
    const implementation: enginerpc.IEngineServer = {
        log: (call, callback) => {
            logs.push(call.request.getMessage());
            callback(null, new Empty());
        },
        getRootResource: (_call, callback) => callback(null, new enginepb.GetRootResourceResponse()),
        setRootResource: (_call, callback) => callback(null, new enginepb.SetRootResourceResponse()),
        startDebugging: (_call, callback) => callback(null, new Empty()),
        requirePulumiVersion: (_call, callback) => callback(null, new enginepb.RequirePulumiVersionResponse()),
    };
    server.addService(enginerpc.EngineService, implementation);
    return new Promise((resolve, reject) => {
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) =>
            error ? reject(error) : resolve({ server, address: `127.0.0.1:${port}` }));
    });
}

export interface StartOptions {
    env?: NodeJS.ProcessEnv;
    /** Milliseconds to wait for the port; a cold start with type checking can take a while. */
    startTimeoutMs?: number;
}

/**
 * A policy pack started exactly as the Pulumi CLI starts a Node.js pack:
 * `node <pack>/node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine> <pack>` in the pack's
 * directory, which prints the port of its Analyzer service.
 */
export class PolicyPackProcess {
    readonly logs: string[] = [];
    stderr = "";
    private constructor(
        readonly child: ChildProcess,
        private readonly client: analyzerrpc.AnalyzerClient,
        private readonly engine: grpc.Server,
        readonly port: number,
        readonly startedInMs: number,
    ) {}

    static async start(packDir: string, options: StartOptions = {}): Promise<PolicyPackProcess> {
        const logs: string[] = [];
        const engine = await startFakeEngine(logs);
        const began = process.hrtime.bigint();
        const runner = path.join(packDir, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack");
        const child = spawn(process.execPath, [runner, engine.address, packDir], {
            cwd: packDir,
            env: { ...process.env, ...options.env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stderr = "";
        child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        const port = await new Promise<number>((resolve, reject) => {
            let stdout = "";
            const timer = setTimeout(() => {
                child.kill();
                reject(new Error(`policy pack did not print its port within ${options.startTimeoutMs ?? 60000} ms\n${stderr}`));
            }, options.startTimeoutMs ?? 60000);
            child.stdout?.on("data", (chunk: Buffer) => {
                stdout += chunk.toString();
                const line = /^(\d+)\s*$/m.exec(stdout);
                if (line) {
                    clearTimeout(timer);
                    resolve(Number(line[1]));
                }
            });
            child.on("exit", (code) => {
                clearTimeout(timer);
                reject(new Error(`policy pack exited with code ${code} before serving\n${stderr}`));
            });
        }).catch((e) => {
            engine.server.forceShutdown();
            throw e;
        });
        const startedInMs = Number(process.hrtime.bigint() - began) / 1e6;
        const client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
            "grpc.max_receive_message_length": 400 * 1024 * 1024,
            "grpc.max_send_message_length": 400 * 1024 * 1024,
        });
        const pack = new PolicyPackProcess(child, client, engine.server, port, startedInMs);
        child.stderr?.on("data", (chunk: Buffer) => (pack.stderr += chunk.toString()));
        pack.stderr = stderr;
        (pack.logs as string[]).push(...logs);
        return pack;
    }

    async getPluginInfo(): Promise<string> {
        const info = await unary<Empty, pluginpb.PluginInfo>(this.client, "getPluginInfo", new Empty(), 30000);
        return info.getVersion();
    }

    async getAnalyzerInfo(): Promise<{
        name: string;
        version: string;
        supportsConfig: boolean;
        policies: PolicyDescription[];
        initialConfig: Record<string, PolicyConfigEntry>;
    }> {
        const info = await unary<Empty, analyzerpb.AnalyzerInfo>(this.client, "getAnalyzerInfo", new Empty(), 30000);
        const initialConfig: Record<string, PolicyConfigEntry> = {};
        for (const [name, entry] of info.getInitialconfigMap().entries()) {
            initialConfig[name] = {
                enforcementLevel: LEVELS[entry.getEnforcementlevel()],
                properties: (entry.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown>,
            };
        }
        return {
            name: info.getName(),
            version: info.getVersion(),
            supportsConfig: info.getSupportsconfig(),
            policies: info.getPoliciesList().map((p) => ({
                name: p.getName(),
                displayName: p.getDisplayname(),
                description: p.getDescription(),
                enforcementLevel: LEVELS[p.getEnforcementlevel()] ?? "advisory",
                remediationSteps: p.getRemediationSteps(),
                configSchema: p.getConfigschema()?.getProperties()?.toJavaScript() as Record<string, unknown> | undefined,
                required: p.getConfigschema()?.getRequiredList() ?? [],
                severity: SEVERITIES[p.getSeverity()],
                tags: p.getTagsList(),
                url: p.getUrl() || undefined,
            })),
            initialConfig,
        };
    }

    /** Sends a policy-pack config as the CLI does. */
    async configure(config: Record<string, Record<string, unknown>>): Promise<void> {
        await unary(this.client, "configure", configureRequest(config), 30000);
    }

    async configureStack(stack: { stack: string; project: string; organization?: string; dryRun?: boolean; tags?: Record<string, string> }): Promise<void> {
        const request = new analyzerpb.AnalyzerStackConfigureRequest();
        request.setStack(stack.stack);
        request.setProject(stack.project);
        request.setOrganization(stack.organization ?? "organization");
        request.setDryRun(stack.dryRun ?? true);
        for (const [k, v] of Object.entries(stack.tags ?? {})) {
            request.getTagsMap().set(k, v);
        }
        await unary(this.client, "configureStack", request, 30000);
    }

    async analyze(resource: AnalyzedResource, timeoutMs = 60000): Promise<ReturnedDiagnostic[]> {
        return toDiagnostics(await unary(this.client, "analyze", analyzeRequest(resource), timeoutMs));
    }

    async analyzeStack(resources: readonly AnalyzedResource[], timeoutMs = 300000): Promise<ReturnedDiagnostic[]> {
        return toDiagnostics(await unary(this.client, "analyzeStack", analyzeStackRequest(resources), timeoutMs));
    }

    async stop(): Promise<void> {
        this.client.close();
        this.engine.forceShutdown();
        if (this.child.exitCode === null) {
            const exited = new Promise((resolve) => this.child.once("exit", resolve));
            this.child.kill("SIGTERM");
            await exited;
        }
    }
}
