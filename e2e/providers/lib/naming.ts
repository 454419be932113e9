import { randomBytes } from "crypto";

/** `count` random lowercase hex digits, the suffix alphabet of the engine's and providers' auto-names. */
export function randomHex(count: number): string {
    return randomBytes(Math.ceil(count / 2))
        .toString("hex")
        .slice(0, count);
}

/** The logical name of a resource: the last `::`-separated part of its URN. */
export function logicalName(urn: string): string {
    return urn.slice(urn.lastIndexOf("::") + 2);
}

/** The type token of a resource: the URN part before the logical name, without parent types. */
export function typeToken(urn: string): string {
    const parts = urn.split("::");
    const qualified = parts[parts.length - 2];
    return qualified.slice(qualified.lastIndexOf("$") + 1);
}
