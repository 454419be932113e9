import type { Finding } from "./policy";
import { isUnknown } from "./unknowns";

/**
 * A value the engine cannot know during preview. It is reported as advisory, never passed: the
 * same check runs on the real value when `pulumi up` registers the resource.
 */
export function unknownAtPreview(path: string, consequence = "it is checked when `pulumi up` runs"): Finding {
    return { path, advisory: true, message: `is computed from another resource and cannot be known during preview; ${consequence}.` };
}

/**
 * `forceDestroy: true` makes destroying or replacing a store first delete what it holds: the escape
 * hatch that lets one deployment empty write-once storage.
 */
export function* forceDestroyFindings(value: unknown, whatItDeletes: string): Iterable<Finding> {
    if (isUnknown(value)) {
        yield unknownAtPreview("forceDestroy");
    } else if (value === true) {
        yield { path: "forceDestroy", message: `is true: destroying or replacing it first deletes ${whatItDeletes}; remove it or set \`forceDestroy: false\`.` };
    }
}

/** Names what was found without quoting it, for values that are not the expected kind. */
export function describeValue(value: unknown): string {
    if (value === undefined) {
        return "not set";
    }
    if (value === null) {
        return "null";
    }
    if (typeof value === "boolean") {
        return String(value);
    }
    if (Array.isArray(value)) {
        return "a list";
    }
    return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** Quotes an identifying value (a mode, a status, an image), cut short so a message stays readable. */
export function quote(value: string, maxLength = 80): string {
    return JSON.stringify(value.length > maxLength ? `${value.slice(0, maxLength)}…` : value);
}

/** Names a few resources for a message: "a, b, c and 4 more". */
export function names(resources: readonly { name: string }[]): string {
    const shown = resources.slice(0, 3).map((r) => r.name).join(", ");
    return resources.length > 3 ? `${shown} and ${resources.length - 3} more` : shown;
}

/** The logical name as a TypeScript variable, for the one-line fixes messages suggest. */
export function variableName(logicalName: string): string {
    const words = logicalName.split(/[^A-Za-z0-9]+/).filter((w) => w !== "");
    const name = words.map((w, i) => (i === 0 ? w[0].toLowerCase() : w[0].toUpperCase()) + w.slice(1)).join("");
    return /^[A-Za-z]/.test(name) ? name : `resource${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}
