/**
 * A property-by-property diff of old and new inputs, reported the way the real providers report theirs:
 * a detailed diff keyed by property path, and the paths whose change forces a replacement.
 */
import { Properties, Value, deepEqual, isObject, revealAll, valueAt, withoutKeys } from "./values";

export type DiffKind = "add" | "add-replace" | "delete" | "delete-replace" | "update" | "update-replace";

export interface DiffOutcome {
    changes: boolean;
    /** Top-level keys (AWS) or property paths (Kubernetes) whose change forces a replacement. */
    replaces: string[];
    detailedDiff: Record<string, DiffKind>;
    deleteBeforeReplace: boolean;
}

type Segment = string | number;

/** A path in the engine's property path syntax: `a.b[0]["app.kubernetes.io/name"]`. */
export function formatPath(path: Segment[]): string {
    return path
        .map((s, i) => {
            if (typeof s === "number") {
                return `[${s}]`;
            }
            if (/^[A-Za-z_$][\w$]*$/.test(s)) {
                return i === 0 ? s : `.${s}`;
            }
            return `[${JSON.stringify(s)}]`;
        })
        .join("");
}

interface Change {
    path: Segment[];
    kind: "add" | "delete" | "update";
}

function changes(olds: Value | undefined, news: Value | undefined, path: Segment[], out: Change[]): void {
    if (deepEqual(olds, news)) {
        return;
    }
    if (olds === undefined || olds === null) {
        out.push({ path, kind: "add" });
    } else if (news === undefined || news === null) {
        out.push({ path, kind: "delete" });
    } else if (isObject(olds) && isObject(news)) {
        for (const key of new Set([...Object.keys(olds), ...Object.keys(news)])) {
            changes(olds[key], news[key], [...path, key], out);
        }
    } else if (Array.isArray(olds) && Array.isArray(news)) {
        for (let i = 0; i < Math.max(olds.length, news.length); i++) {
            changes(olds[i], news[i], [...path, i], out);
        }
    } else {
        out.push({ path, kind: "update" });
    }
}

function startsWith(path: readonly Segment[], prefix: readonly Segment[]): boolean {
    return prefix.length <= path.length && prefix.every((s, i) => path[i] === s);
}

/**
 * Compares inputs, ignoring `ignoredKeys` at any depth (bookkeeping such as `__defaults`) and secretness. A change
 * under a path of `forceNew` (dotted, e.g. `spec.selector`) replaces, as does adding or removing a
 * value that contains such a path with a different value in it.
 */
export function diffInputs(
    olds: Properties,
    news: Properties,
    forceNew: string[],
    options: { ignoredKeys?: string[]; replacesAsPaths?: boolean } = {},
): DiffOutcome {
    const ignored = new Set(options.ignoredKeys ?? []);
    const oldBag = withoutKeys(revealAll(olds), ignored);
    const newBag = withoutKeys(revealAll(news), ignored);
    const found: Change[] = [];
    changes(oldBag, newBag, [], found);

    const forcing = forceNew.map((p) => p.split("."));
    const detailedDiff: Record<string, DiffKind> = {};
    const replaces = new Set<string>();
    for (const change of found) {
        const replaced = forcing.some(
            (field) => startsWith(change.path, field) || (startsWith(field, change.path) && !deepEqual(valueAt(oldBag, field), valueAt(newBag, field))),
        );
        const key = formatPath(change.path);
        detailedDiff[key] = replaced ? `${change.kind}-replace` : change.kind;
        if (replaced) {
            replaces.add(options.replacesAsPaths ? key : String(change.path[0]));
        }
    }
    return { changes: found.length > 0, replaces: [...replaces], detailedDiff, deleteBeforeReplace: false };
}
