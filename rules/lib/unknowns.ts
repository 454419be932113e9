// Named because fixtures, generated stacks and the lock command make up unknowns of these kinds.
export const UNKNOWN_BOOLEAN = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7";
export const UNKNOWN_NUMBER = "3eeb2bf0-c639-47a8-9e75-3b44932eb421";
export const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const UNKNOWN_OBJECT = "dd056dcd-154b-4c76-9bd3-c8f88648b5ff";
export const UNKNOWN_ARRAY = "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2";

/**
 * Values the engine cannot know at preview arrive as fixed sentinel strings (one per value kind).
 * `@pulumi/policy` wraps resource properties in a proxy that throws on reading one, which ends the
 * whole policy for that resource with a generic advisory. Rules here read the plain properties
 * instead and decide per property what an unknown means, so they can still check what is known.
 */
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
    UNKNOWN_BOOLEAN,
    UNKNOWN_NUMBER,
    UNKNOWN_STRING,
    UNKNOWN_ARRAY,
    "030794c1-ac77-496b-92df-f27374a8bd58", // asset
    "e48ece36-62e2-4504-bad9-02848725956a", // archive
    UNKNOWN_OBJECT,
]);

export function isUnknown(value: unknown): boolean {
    return typeof value === "string" && UNKNOWN_SENTINELS.has(value);
}

// The SDK proxy hands back its target for this key; reading through the target avoids one proxy
// allocation per property read and lets rules see unknown sentinels instead of exceptions.
const PROXY_TARGET_KEY = "__getSpecialProxyTarget";

/** The plain object behind the SDK's unknown-checking proxy (or the value itself). */
export function plain<T>(value: T): T {
    if (value === null || typeof value !== "object") {
        return value;
    }
    const target = (value as Record<string, unknown>)[PROXY_TARGET_KEY];
    return (target !== undefined && target !== null && typeof target === "object" ? target : value) as T;
}
