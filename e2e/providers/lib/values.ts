/**
 * Property values as the engine hands them to a provider over gRPC (google.protobuf.Struct turned into
 * plain JavaScript): unknowns are a sentinel string and secrets an object tagged with a signature key.
 * A stand-in keeps both exactly as given, so what it echoes stays unknown or secret.
 */
import { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";

export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };
export type Properties = { [key: string]: Value };

export const UNKNOWN: string = unknownValue;

export function isObject(value: Value | undefined): value is Properties {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isSecret(value: Value | undefined): value is Properties {
    return isObject(value) && value[specialSigKey] === specialSecretSig;
}

export function secret(value: Value): Properties {
    return { [specialSigKey]: specialSecretSig, value };
}

/** The value inside a secret (the value itself when it is not one). */
export function reveal(value: Value | undefined): Value | undefined {
    return isSecret(value) ? value.value : value;
}

export function isUnknown(value: Value | undefined): boolean {
    return value === UNKNOWN;
}

export function containsUnknown(value: Value | undefined): boolean {
    if (isUnknown(value)) {
        return true;
    }
    if (Array.isArray(value)) {
        return value.some(containsUnknown);
    }
    return isObject(value) && Object.values(value).some(containsUnknown);
}

/** The value with every secret replaced by its content: secretness never decides a diff. */
export function revealAll(value: Value): Value {
    const inner = reveal(value) ?? null;
    if (Array.isArray(inner)) {
        return inner.map(revealAll);
    }
    if (isObject(inner)) {
        return Object.fromEntries(Object.entries(inner).map(([k, v]) => [k, revealAll(v)]));
    }
    return inner;
}

/** The value with the given keys removed from every object in it. */
export function withoutKeys(value: Value, keys: ReadonlySet<string>): Value {
    if (Array.isArray(value)) {
        return value.map((v) => withoutKeys(v, keys));
    }
    if (isObject(value)) {
        return Object.fromEntries(Object.entries(value).filter(([k]) => !keys.has(k)).map(([k, v]) => [k, withoutKeys(v, keys)]));
    }
    return value;
}

export function deepEqual(a: Value | undefined, b: Value | undefined): boolean {
    if (a === b) {
        return true;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
        return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
    }
    if (isObject(a) && isObject(b)) {
        const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
        return [...keys].every((k) => deepEqual(a[k], b[k]));
    }
    return false;
}

export function clone<T extends Value>(value: T): T {
    return structuredClone(value);
}

/** The value at a dotted path of object keys, looking through secrets on the way. */
export function valueAt(value: Value | undefined, path: string[]): Value | undefined {
    let current = value;
    for (const key of path) {
        const inner = reveal(current);
        if (!isObject(inner)) {
            return undefined;
        }
        current = inner[key];
    }
    return current;
}
