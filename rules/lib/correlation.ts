import type { ResourceView } from "./policy";
import { isUnknown } from "./unknowns";

/**
 * Which resource a configuring resource (an S3 lock or versioning configuration, a vault lock)
 * applies to. It names its target by one input, such as `bucket` or `vaultName`, usually set from
 * the target's output: at preview that value is often unknown (an `id` not yet assigned), but the
 * engine still says which resource it came from (`propertyDependencies`); once known, it is the
 * target's name. Both ways are indexed once, so linking a whole stack is linear.
 */
export interface Links {
    /** The configuring resources that apply to this target; each is linked to one target at most. */
    of(target: ResourceView): readonly ResourceView[];
    /**
     * Configuring resources that could not be linked yet but may apply to this target once preview
     * values are known: a finding that this target lacks one is then advisory, not a violation.
     */
    maybeOf(target: ResourceView): readonly ResourceView[];
}

export interface LinkOptions {
    /** The configuring resource's input that names its target, e.g. `bucket`. */
    property: string;
    /** The target's properties that hold its name (input or output), e.g. `bucket` and `id`. */
    targetNames: readonly string[];
}

function append(map: Map<string, ResourceView[]>, key: string, resource: ResourceView): void {
    const list = map.get(key);
    if (list) {
        list.push(resource);
    } else {
        map.set(key, [resource]);
    }
}

function knownString(value: unknown): value is string {
    return typeof value === "string" && value !== "" && !isUnknown(value);
}

export function link(targets: readonly ResourceView[], dependents: readonly ResourceView[], options: LinkOptions): Links {
    const byUrn = new Map(targets.map((t) => [t.urn, t]));
    const byName = new Map<string, ResourceView[]>();
    const unnamed = new Set<string>();
    for (const target of targets) {
        const names = new Set(options.targetNames.map((key) => target.props[key]).filter(knownString));
        names.forEach((name) => append(byName, name, target));
        if (names.size === 0) {
            unnamed.add(target.urn);
        }
    }

    const linked = new Map<string, ResourceView[]>();
    /** Could apply to any target: named by an unknown value that came from no target. */
    const anyTarget: ResourceView[] = [];
    /** Could apply to one of a few targets: named by a value built from several, or by a name several share. */
    const someTarget = new Map<string, ResourceView[]>();
    /** Named by a known name that no target has, which a target whose name is unknown may turn out to have. */
    const unmatched: ResourceView[] = [];

    const targetsAmong = (urns: readonly string[]) =>
        [...new Set(urns.map((urn) => byUrn.get(urn)))].filter((t): t is ResourceView => t !== undefined);

    for (const dependent of dependents) {
        const value = dependent.props[options.property];
        const fromDependencies = targetsAmong(dependent.propertyDependencies[options.property] ?? []);
        let resolved: ResourceView[] = [];
        if (knownString(value)) {
            const named = byName.get(value) ?? [];
            const both = named.filter((t) => fromDependencies.includes(t));
            resolved = both.length > 0 ? both : named.length > 0 ? named : fromDependencies;
            if (resolved.length === 0) {
                unmatched.push(dependent);
            }
        } else if (isUnknown(value)) {
            // Without per-property dependencies (an engine or SDK that does not send them), the
            // resource's dependencies are the only link left.
            resolved = Object.keys(dependent.propertyDependencies).length > 0 ? fromDependencies : targetsAmong(dependent.dependencies);
            if (resolved.length === 0) {
                anyTarget.push(dependent);
            }
        }
        if (resolved.length === 1) {
            append(linked, resolved[0].urn, dependent);
        } else {
            // Never guess: a resource that could configure several targets is linked to none of them.
            resolved.forEach((t) => append(someTarget, t.urn, dependent));
        }
    }

    return {
        of: (target) => linked.get(target.urn) ?? [],
        maybeOf: (target) => {
            const some = someTarget.get(target.urn) ?? [];
            const named = unnamed.has(target.urn) ? unmatched : [];
            // Shared, not copied, in the common case, so asking for every target stays linear.
            return some.length === 0 && named.length === 0 ? anyTarget : [...anyTarget, ...some, ...named];
        },
    };
}
