import type { Props } from "./policy";
import type { Segment } from "./property-path";

/**
 * Inputs that providers write for themselves rather than for the user. The lock leaves them out and the
 * pack does not count a difference in them as a change. One table, per type, so adding a provider's
 * habit is one line; docs/lock.md explains each entry.
 */
interface Bookkeeping {
    /** Type-token prefix the entry applies to; "" for every type. */
    typePrefix: string;
    /** What the provider records there. */
    why: string;
    /** Whether a key at this place (depth 0 = top level; parent path) is bookkeeping. */
    matches: (key: string, parent: readonly Segment[]) => boolean;
}

const PROVIDER_BOOKKEEPING: readonly Bookkeeping[] = [
    {
        typePrefix: "",
        why: "Terraform-bridged providers (aws, gcp, azure, …) list under `__defaults`, in every object, which " +
            "properties they filled with defaults; the engine drops the top-level list before Analyze, nested ones reach policies",
        matches: (key) => key === "__defaults",
    },
    {
        typePrefix: "",
        why: "the engine never sends top-level keys starting with `__` to analyzers (they are internal to the provider)",
        matches: (key, parent) => parent.length === 0 && key.startsWith("__"),
    },
    {
        typePrefix: "kubernetes:",
        why: "the Kubernetes provider's Check adds the label `app.kubernetes.io/managed-by: pulumi` to objects it " +
            "creates with client-side apply and keeps it only while the old object has it",
        matches: (key, parent) =>
            key === "app.kubernetes.io/managed-by" && parent.length === 2 && parent[0] === "metadata" && parent[1] === "labels",
    },
];

/** Whether the key under `parent` is provider bookkeeping for this type. */
export function isBookkeeping(type: string, key: string, parent: readonly Segment[]): boolean {
    for (const entry of PROVIDER_BOOKKEEPING) {
        if (type.startsWith(entry.typePrefix) && entry.matches(key, parent)) {
            return true;
        }
    }
    return false;
}

/** Whether a whole path (as segments) is, or lies beneath, provider bookkeeping for this type. */
export function isBookkeepingPath(type: string, segments: readonly Segment[]): boolean {
    for (let i = 0; i < segments.length; i++) {
        const key = segments[i];
        if (typeof key === "string" && isBookkeeping(type, key, segments.slice(0, i))) {
            return true;
        }
    }
    return false;
}

// ---------------------------------------------------------------------------------------------
// Autonames. A provider that names a resource itself keeps the name on later updates (its Check gets
// the old inputs), but draws a new one when the engine replaces the resource without old inputs
// (`pulumi up --replace`). The new name is the provider's doing, not a change the user made.

const AUTONAMED_ANNOTATION = "pulumi.com/autonamed";
const HEX_SUFFIX = /^(.*?)[-_]?[0-9a-f]{7,8}$/i;

function looksAutonamed(value: unknown, logicalName: string): boolean {
    if (typeof value !== "string") {
        return false;
    }
    const stem = HEX_SUFFIX.exec(value)?.[1];
    // A name longer than the provider's limit is cut before the random suffix.
    return !!stem && logicalName.toLowerCase().startsWith(stem.toLowerCase().replace(/[-_]$/, ""));
}

function kubernetesAutonamed(props: Props): boolean {
    const metadata = props.metadata as Props | undefined;
    const annotations = metadata && typeof metadata === "object" ? (metadata.annotations as Props | undefined) : undefined;
    return !!annotations && typeof annotations === "object" && annotations[AUTONAMED_ANNOTATION] === "true";
}

/**
 * The top-level properties of a stack export resource whose values the provider generated as names:
 * Kubernetes `metadata.name` with the `pulumi.com/autonamed` annotation; for Terraform-bridged providers,
 * a property listed in `__defaults` whose value is the logical name plus a random hex suffix.
 */
export function autonamedPaths(type: string, logicalName: string, inputs: Props): string[] {
    if (type.startsWith("kubernetes:")) {
        return kubernetesAutonamed(inputs) ? ["metadata.name"] : [];
    }
    const defaults = inputs.__defaults;
    if (!Array.isArray(defaults)) {
        return [];
    }
    return defaults.filter((key): key is string =>
        typeof key === "string" && /^[A-Za-z0-9_]+$/.test(key) && looksAutonamed(inputs[key], logicalName));
}

/** Whether a new value at a path the lock records as autonamed is again a name the provider generated. */
export function isRegeneratedAutoname(type: string, logicalName: string, props: Props, value: unknown): boolean {
    if (type.startsWith("kubernetes:")) {
        return kubernetesAutonamed(props) && typeof value === "string";
    }
    return looksAutonamed(value, logicalName);
}
