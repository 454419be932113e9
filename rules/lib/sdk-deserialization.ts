import * as path from "path";

type Deserialize = (struct: object, proxySecrets: boolean) => Record<string, unknown>;

const SHARED = Symbol.for("immutable-guard.sharedDeserialization");

/**
 * `@pulumi/policy` converts a resource's properties from protobuf to plain objects once per
 * policy: on Analyze for every resource policy (even one that ignores the type at once), and on
 * AnalyzeStack for every stack policy over every resource. With several policies that conversion
 * is most of the time the pack spends on a resource. Remembering the conversion of each request's
 * property message makes it happen once per request, however many policies the pack has.
 *
 * Every policy then receives the same objects, so rules must treat properties as read-only (the
 * test harness freezes them). Remediate's conversion, which wraps secrets, is left per call.
 * Returns false, changing nothing, when the SDK is not laid out as this expects.
 */
export function shareDeserializedProperties(): boolean {
    let sdk: { deserializeProperties?: unknown };
    try {
        sdk = require(path.join(path.dirname(require.resolve("@pulumi/policy")), "deserialize")) as typeof sdk;
    } catch {
        return false;
    }
    const convert = sdk.deserializeProperties as (Deserialize & { [SHARED]?: true }) | undefined;
    if (typeof convert !== "function") {
        return false;
    }
    if (convert[SHARED]) {
        return true;
    }
    // Keyed by the request's own message object, so an entry lives exactly as long as its request.
    const converted = new WeakMap<object, Record<string, unknown>>();
    const shared: Deserialize & { [SHARED]?: true } = (struct, proxySecrets) => {
        if (proxySecrets || struct === null || typeof struct !== "object") {
            return convert(struct, proxySecrets);
        }
        let props = converted.get(struct);
        if (!props) {
            props = convert(struct, proxySecrets);
            converted.set(struct, props);
        }
        return props;
    };
    shared[SHARED] = true;
    sdk.deserializeProperties = shared;
    return true;
}
