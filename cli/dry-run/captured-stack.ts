import { secret, type AnalyzedResource } from "../analyzer-client";
import type { NotSeen } from "../output/report";
import type { MockAnswers } from "./mocks";
import { checkedInputs } from "./provider-check";

/** One resource registration as the program made it, recorded by the mocked resource monitor. */
export interface CapturedResource {
    type: string;
    name: string;
    urn: string;
    custom: boolean;
    /** A component built inside a provider plugin: its children are not registered by the program. */
    remote: boolean;
    /** URN of the parent; empty for the stack itself. */
    parent: string;
    /** Provider reference `<urn>::<id>`, empty when the default provider is meant. */
    provider: string;
    /** Version of the provider package the SDK asked for (names the default provider). */
    version: string;
    /** Inputs as the engine marshals them for analyzers: secrets wrapped, unknowns as sentinels. */
    properties: Record<string, unknown>;
    /** Outputs registered by a component (or the stack's exports). */
    outputs?: Record<string, unknown>;
    protect: boolean;
    ignoreChanges: string[];
    aliases: string[];
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
}

/** What the parent asks the program host to run. */
export interface HostRequest {
    programDir: string;
    main: string;
    /** The file the program starts from, imported as an ES module when `esm` is set. */
    entry: string;
    /** The program's package.json says `"type": "module"`. */
    esm: boolean;
    project: string;
    stack: string;
    organization: string;
    preview: boolean;
    typescript: boolean;
    tsconfig?: string;
    config: Record<string, string>;
    secretKeys: string[];
    /** Package directory of the pack, the fallback for `@pulumi/pulumi`, ts-node and TypeScript. */
    packDir: string;
    /** The user's answers to data sources (`--mocks`). */
    mocks?: MockAnswers;
}

/** What the program made that the dry run could not see; a location is added by the parent. */
export type Unseen = Omit<NotSeen, "location">;

/**
 * `unseen` is kept when the program fails: what it could not answer often explains the failure.
 * `notes` say how the dry run differs for this program (an SDK too old for a mode).
 */
export type HostResponse =
    | { ok: true; resources: CapturedResource[]; unseen: Unseen[]; notes: string[] }
    | { ok: false; error: string; unseen: Unseen[]; notes: string[] };

const PROVIDER_TYPE_PREFIX = "pulumi:providers:";

function packageOf(type: string): string {
    return type.split(":")[0];
}

/** The part of a provider reference before its `::<id>`. */
function providerUrn(reference: string): string {
    const at = reference.lastIndexOf("::");
    return at < 0 ? reference : reference.slice(0, at);
}

/** What the analyzers receive, in registration order: for Analyze and for AnalyzeStack. */
export interface AnalyzedStack {
    resources: AnalyzedResource[];
    /** The same resources with their final state, which is what AnalyzeStack sees. */
    stackResources: AnalyzedResource[];
}

/**
 * Adds what the engine would add: the default provider of each package (named after its
 * version, configured from the stack's `<package>:*` config) and each resource's provider.
 */
export function analyzedStack(
    captured: readonly CapturedResource[],
    target: { project: string; stack: string; config: Record<string, string>; secretKeys: readonly string[] },
): AnalyzedStack {
    const byUrn = new Map(captured.map((r) => [r.urn, r]));
    const defaults = new Map<string, CapturedResource>();
    const ordered: CapturedResource[] = [];
    const providerOf = new Map<CapturedResource, CapturedResource>();

    const defaultProvider = (pkg: string, version: string): CapturedResource => {
        const key = `${pkg}@${version}`;
        let provider = defaults.get(key);
        if (!provider) {
            const name = version ? `default_${version.replace(/[.\-+]/g, "_")}` : "default";
            const properties: Record<string, unknown> = {};
            for (const [k, v] of Object.entries(target.config)) {
                if (k.startsWith(`${pkg}:`)) {
                    properties[k.slice(pkg.length + 1)] = target.secretKeys.includes(k) ? secret(v) : v;
                }
            }
            if (version) {
                properties.version = version;
            }
            provider = {
                type: `${PROVIDER_TYPE_PREFIX}${pkg}`,
                name,
                urn: `urn:pulumi:${target.stack}::${target.project}::${PROVIDER_TYPE_PREFIX}${pkg}::${name}`,
                custom: true,
                remote: false,
                parent: "",
                provider: "",
                version,
                properties,
                protect: false,
                ignoreChanges: [],
                aliases: [],
                dependencies: [],
                propertyDependencies: {},
            };
            defaults.set(key, provider);
            ordered.push(provider);
        }
        return provider;
    };

    for (const resource of captured) {
        const pkg = packageOf(resource.type);
        const managed = resource.custom && !resource.type.startsWith(PROVIDER_TYPE_PREFIX) && pkg !== "pulumi";
        if (managed) {
            const explicit = resource.provider ? byUrn.get(providerUrn(resource.provider)) : undefined;
            providerOf.set(resource, explicit ?? defaultProvider(pkg, resource.version));
        }
        ordered.push(resource);
    }

    // The engine hands analyzers the inputs its provider's Check returned, which a real stack export records too.
    const checked = new Map<CapturedResource, Record<string, unknown>>();
    for (const [resource, provider] of providerOf) {
        checked.set(resource, checkedInputs(resource.type, resource.urn, resource.properties, provider.properties, resource.version));
    }

    const toAnalyzed = (resource: CapturedResource, finalState: boolean): AnalyzedResource => {
        const provider = providerOf.get(resource);
        const inputs = checked.get(resource) ?? resource.properties;
        return {
            type: resource.type,
            urn: resource.urn,
            name: resource.name,
            // Without a provider the state of a custom resource is its inputs; a component's is what it registered.
            properties: finalState && !resource.custom ? resource.outputs ?? {} : inputs,
            options: {
                protect: resource.protect,
                ignoreChanges: resource.ignoreChanges,
                parent: resource.parent || undefined,
                aliases: resource.aliases,
            },
            provider: provider ? { type: provider.type, urn: provider.urn, name: provider.name, properties: provider.properties } : undefined,
            parent: resource.parent || undefined,
            dependencies: resource.dependencies,
            propertyDependencies: resource.propertyDependencies,
        };
    };
    return {
        resources: ordered.map((r) => toAnalyzed(r, false)),
        stackResources: ordered.map((r) => toAnalyzed(r, true)),
    };
}
