import { isJsonObject } from "../rules/lib/json-property";
import { ENCRYPTED_SECRET, Opaque, SecretValue, urnParts, type SecretsMode } from "../rules/lib/lock";
import type { Props } from "../rules/lib/policy";
import { UNKNOWN_SENTINELS } from "../rules/lib/unknowns";
import { UsageError } from "./command-line";

/**
 * Reads the JSON printed by `pulumi stack export` (`apitype.UntypedDeployment` holding a `DeploymentV3`,
 * sdk/go/common/apitype/core.go) and decodes resource inputs into plain values, keeping secrets marked.
 */

/** `resource.SigKey` and the signatures of special property values (sdk/go/common/apitype/property-values.json). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
const RESOURCE_REFERENCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";

/** Versions whose deployment has the `DeploymentV3` shape (4 adds the `features` list). */
const SUPPORTED_VERSIONS = [3, 4];

export interface ExportedResource {
    urn: string;
    type: string;
    name: string;
    /** Pending deletion, read with `.get`, or a provider: not something the program manages as a cloud resource. */
    managed: boolean;
    inputs: Props;
}

export interface StackExport {
    stack: string;
    project: string;
    secrets: SecretsMode;
    resources: ExportedResource[];
    pendingOperations: number;
}

interface DecodeState {
    shown: number;
    encrypted: number;
    where: string;
}

function decode(value: unknown, state: DecodeState, path: string): unknown {
    if (Array.isArray(value)) {
        return value.map((element, i) => decode(element, state, `${path}[${i}]`));
    }
    if (typeof value === "string" && UNKNOWN_SENTINELS.has(value)) {
        return new Opaque("unknown in the stack state (an interrupted update)");
    }
    if (!isJsonObject(value)) {
        return value;
    }
    const sig = value[SIG_KEY];
    if (sig === undefined) {
        const out: Props = {};
        for (const [key, member] of Object.entries(value)) {
            out[key] = decode(member, state, path ? `${path}.${key}` : key);
        }
        return out;
    }
    switch (sig) {
        case SECRET_SIG:
            if (typeof value.plaintext === "string") {
                state.shown++;
                let inner: unknown;
                try {
                    inner = JSON.parse(value.plaintext);
                } catch {
                    throw new UsageError(`${state.where}: the secret at ${path} has a plaintext that is not JSON; is the export intact?`);
                }
                return new SecretValue(decode(inner, state, path));
            }
            if (typeof value.ciphertext === "string") {
                state.encrypted++;
                return new Opaque(ENCRYPTED_SECRET);
            }
            throw new UsageError(`${state.where}: the secret at ${path} has neither plaintext nor ciphertext`);
        case ASSET_SIG:
            return new Opaque("an asset");
        case ARCHIVE_SIG:
            return new Opaque("an archive");
        case RESOURCE_REFERENCE_SIG:
            // Analyzers receive a reference as the resource's ID, or its URN when it has none.
            return typeof value.id === "string" && value.id !== "" ? value.id : value.urn;
        default:
            return new Opaque("a special value the engine encodes");
    }
}

/** Parses and checks a stack export; every problem is a UsageError that says what the file is instead. */
export function parseStackExport(document: unknown, source: string): StackExport {
    if (!isJsonObject(document)) {
        throw new UsageError(`${source} is not a stack export: expected the JSON object printed by \`pulumi stack export\``);
    }
    if (document.checkpoint !== undefined) {
        throw new UsageError(`${source} is a checkpoint file (a backend's .pulumi/stacks/*.json), not a stack export; ` +
            "run `pulumi stack export --show-secrets` and lock its output");
    }
    if (!isJsonObject(document.deployment)) {
        const looksLikePreview = Array.isArray(document.steps) || document.changeSummary !== undefined;
        throw new UsageError(`${source} has no \`deployment\`, so it is not the output of \`pulumi stack export\`` +
            (looksLikePreview ? " (it looks like `pulumi preview --json` output; that is for `immutable-guard plan-check`)" : ""));
    }
    if (!SUPPORTED_VERSIONS.includes(document.version as number)) {
        throw new UsageError(`${source} is a deployment of version ${JSON.stringify(document.version)}; ` +
            "this reads `pulumi stack export` output of version 3 (or 4, the same shape with features); upgrade the Pulumi CLI and export again");
    }
    const deployment = document.deployment as Record<string, unknown>;
    const raw = deployment.resources ?? [];
    if (!Array.isArray(raw)) {
        throw new UsageError(`${source}: deployment.resources must be a list`);
    }
    const state: DecodeState = { shown: 0, encrypted: 0, where: source };
    const resources: ExportedResource[] = raw.map((r: unknown, i: number) => {
        const where = `${source}: deployment.resources[${i}]`;
        if (!isJsonObject(r) || typeof r.urn !== "string" || !urnParts(r.urn)) {
            throw new UsageError(`${where} has no valid urn`);
        }
        if (typeof r.type !== "string" || r.type === "") {
            throw new UsageError(`${where} (${r.urn}) has no type`);
        }
        if (r.inputs !== undefined && r.inputs !== null && !isJsonObject(r.inputs)) {
            throw new UsageError(`${where} (${r.urn}) has inputs that are not an object`);
        }
        state.where = `${source}: ${r.urn} inputs`;
        const inputs = decode(r.inputs ?? {}, state, "") as Props;
        const provider = r.type.startsWith("pulumi:providers:");
        return {
            urn: r.urn,
            type: r.type,
            name: urnParts(r.urn)?.name ?? r.urn,
            managed: r.custom === true && !provider && r.delete !== true && r.external !== true,
            inputs,
        };
    });
    const stackResources = resources.filter((r) => r.type !== "pulumi:pulumi:Stack" && !r.type.startsWith("pulumi:providers:"));
    if (stackResources.length === 0) {
        throw new UsageError(`${source} holds an empty stack (no resources besides the stack and its providers); deploy it before locking it`);
    }
    const first = urnParts(resources[0].urn);
    const other = resources.find((r) => {
        const parts = urnParts(r.urn);
        return parts?.stack !== first?.stack || parts?.project !== first?.project;
    });
    if (!first || other) {
        throw new UsageError(`${source} mixes resources of several stacks (${resources[0].urn} and ${other?.urn}); lock one stack at a time`);
    }
    const pending = deployment.pending_operations;
    return {
        stack: first.stack,
        project: first.project,
        secrets: state.encrypted > 0 ? "encrypted" : state.shown > 0 ? "shown" : "none",
        resources,
        pendingOperations: Array.isArray(pending) ? pending.length : 0,
    };
}
