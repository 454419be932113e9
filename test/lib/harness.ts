import { strict as assert } from "assert";
import {
    unknownCheckingProxy,
    type PolicyResource,
    type ReportViolation,
    type ResourceValidationArgs,
    type ResourceValidationPolicy,
    type StackValidationArgs,
    type StackValidationPolicy,
} from "@pulumi/policy";

/** A resource fixture: the property bag the engine sends, plus what else a policy can see. */
export interface Fixture {
    type: string;
    name?: string;
    urn?: string;
    props: Record<string, unknown>;
    opts?: { ignoreChanges?: string[]; protect?: boolean; parent?: string; aliases?: string[] };
    provider?: { type: string; name?: string; urn?: string; props: Record<string, unknown> };
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
}

export interface Reported {
    message: string;
    level: "advisory" | "mandatory" | "remediate" | "disabled";
    urn?: string;
}

export function urnOf(type: string, name: string, stack = "dev", project = "shop"): string {
    return `urn:pulumi:${stack}::${project}::${type}::${name}`;
}

function recorder(out: Reported[], level: Reported["level"]): ReportViolation {
    // Mirrors the SDK server: a string is appended to the description; an object carries its own level.
    return ((violation: string | { message: string; urn?: string; enforcementLevel?: Reported["level"] }, urn?: string) => {
        if (typeof violation === "string") {
            out.push({ message: violation, level, urn });
        } else {
            out.push({ message: violation.message, level: violation.enforcementLevel ?? level, urn: violation.urn });
        }
    }) as ReportViolation;
}

function args(fixture: Fixture, config: Record<string, unknown>): ResourceValidationArgs {
    const name = fixture.name ?? "example";
    const props = unknownCheckingProxy(fixture.props);
    const provider = fixture.provider;
    return {
        type: fixture.type,
        name,
        urn: fixture.urn ?? urnOf(fixture.type, name),
        props,
        opts: {
            protect: fixture.opts?.protect ?? false,
            ignoreChanges: fixture.opts?.ignoreChanges ?? [],
            aliases: fixture.opts?.aliases ?? [],
            additionalSecretOutputs: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            parent: fixture.opts?.parent,
        },
        provider: provider
            ? { type: provider.type, name: provider.name ?? "default", urn: provider.urn ?? urnOf(provider.type, provider.name ?? "default"), props: unknownCheckingProxy(provider.props) }
            : undefined,
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T>() => ({ ...config }) as T,
        notApplicable: (reason?: string) => {
            throw new Error(`notApplicable: ${reason}`);
        },
    } as unknown as ResourceValidationArgs;
}

// The pack converts each resource's properties once and hands the same objects to every policy
// (rules/lib/sdk-deserialization.ts), so a rule that changed them would change what the next sees.
function assertUnchanged(fixtures: readonly Fixture[], before: string | undefined): void {
    if (before !== undefined) {
        assert.equal(JSON.stringify(fixtures.map((f) => f.props)), before, "a policy changed the properties it was given; rules must treat them as read-only");
    }
}

/** The fixtures as JSON, or undefined for the robustness tests' huge or deep inputs, which are not compared. */
function snapshot(fixtures: readonly Fixture[]): string | undefined {
    let budget = 1_000_000;
    const small = (value: unknown, depth: number): boolean => {
        budget -= typeof value === "string" ? value.length : 1;
        if (budget < 0 || depth > 200) {
            return false;
        }
        return value === null || typeof value !== "object" || Object.values(value as object).every((v) => small(v, depth + 1));
    };
    return fixtures.every((f) => small(f.props, 0)) ? JSON.stringify(fixtures.map((f) => f.props)) : undefined;
}

/** Runs a resource policy on one fixture, with props wrapped exactly as the SDK wraps them. */
export async function runResourcePolicy(
    policy: ResourceValidationPolicy,
    fixture: Fixture,
    config: Record<string, unknown> = {},
): Promise<Reported[]> {
    const out: Reported[] = [];
    const before = snapshot([fixture]);
    const level = policy.enforcementLevel ?? "advisory";
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
    for (const validate of validations) {
        await validate?.(args(fixture, config), recorder(out, level));
    }
    assertUnchanged([fixture], before);
    return out;
}

/** Runs a stack policy over fixtures, resolving dependencies to resources as the SDK does. */
export async function runStackPolicy(
    policy: StackValidationPolicy,
    fixtures: Fixture[],
    config: Record<string, unknown> = {},
): Promise<Reported[]> {
    const out: Reported[] = [];
    const resources = fixtures.map((f) => {
        const a = args(f, config);
        return { type: a.type, name: a.name, urn: a.urn, props: a.props, opts: a.opts, provider: a.provider, dependencies: [], propertyDependencies: {} } as unknown as PolicyResource;
    });
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    fixtures.forEach((f, i) => {
        const r = resources[i] as { dependencies: PolicyResource[]; propertyDependencies: Record<string, PolicyResource[]> };
        r.dependencies = (f.dependencies ?? []).map((u) => byUrn.get(u)).filter((x): x is PolicyResource => !!x);
        for (const [k, urns] of Object.entries(f.propertyDependencies ?? {})) {
            r.propertyDependencies[k] = urns.map((u) => byUrn.get(u)).filter((x): x is PolicyResource => !!x);
        }
    });
    const stackArgs = {
        resources,
        getConfig: <T>() => ({ ...config }) as T,
        stackTags: new Map(),
        notApplicable: (reason?: string) => {
            throw new Error(`notApplicable: ${reason}`);
        },
    } as unknown as StackValidationArgs;
    const before = snapshot(fixtures);
    await policy.validateStack(stackArgs, recorder(out, policy.enforcementLevel ?? "advisory"));
    assertUnchanged(fixtures, before);
    return out;
}

export const mandatory = (reported: Reported[]) => reported.filter((r) => r.level === "mandatory");
export const advisory = (reported: Reported[]) => reported.filter((r) => r.level === "advisory");

/** The one finding a test expects, failing with what was found when there are none or several. */
export function theOnly(reported: Reported[]): Reported {
    assert.equal(reported.length, 1, `expected one finding, found ${reported.length}: ${JSON.stringify(reported.map((r) => r.message))}`);
    return reported[0];
}
