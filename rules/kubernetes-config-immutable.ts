import { describeValue, unknownAtPreview } from "./lib/findings";
import { onlyIfFlagged } from "./lib/flag-scope";
import { defineResourcePolicy, type Finding, type ResourceView } from "./lib/policy";
import { isUnknown } from "./lib/unknowns";

/** The Kubernetes provider switch that turns replacing an object of this kind into updating it in place. */
interface ConfigKind {
    kind: "ConfigMap" | "Secret";
    providerSwitch: "enableConfigMapMutable" | "enableSecretMutable";
    environmentVariable: string;
}

const CONFIG_MAP: ConfigKind = { kind: "ConfigMap", providerSwitch: "enableConfigMapMutable", environmentVariable: "PULUMI_K8S_ENABLE_CONFIGMAP_MUTABLE" };
const SECRET: ConfigKind = { kind: "Secret", providerSwitch: "enableSecretMutable", environmentVariable: "PULUMI_K8S_ENABLE_SECRET_MUTABLE" };

const CONFIG_TYPES: ReadonlyMap<string, ConfigKind> = new Map([
    ["kubernetes:core/v1:ConfigMap", CONFIG_MAP],
    ["kubernetes:core/v1:ConfigMapPatch", CONFIG_MAP],
    ["kubernetes:core/v1:Secret", SECRET],
    ["kubernetes:core/v1:SecretPatch", SECRET],
]);

const KUBERNETES_PROVIDER = "pulumi:providers:kubernetes";

// Only `immutable` and provider switches are read: data, stringData and binaryData never reach a message.
function* notImmutable(resource: ResourceView, kind: ConfigKind): Iterable<Finding> {
    const immutable = resource.props.immutable;
    if (isUnknown(immutable)) {
        yield unknownAtPreview("immutable");
    } else if (immutable !== true) {
        const found = immutable === false ? "false" : immutable === undefined ? "not set" : `${describeValue(immutable)}, not true`;
        yield {
            path: "immutable",
            message: `is ${found}, so the cluster lets the ${kind.kind}'s data be changed in place under the pods that use it ` +
                "(by kubectl, a controller, or a provider with mutable updates); set `immutable: true` " +
                "(a change then needs a new object, e.g. a name that changes with the content).",
        };
    }
}

function* mutableByProvider(resource: ResourceView, kind: ConfigKind): Iterable<Finding> {
    const provider = resource.provider;
    if (!provider || provider.type !== KUBERNETES_PROVIDER) {
        return;
    }
    // The provider SDK sends its boolean settings as JSON text ("true"); stack config sends them as written.
    const setting = provider.props[kind.providerSwitch];
    if (isUnknown(setting)) {
        yield unknownAtPreview("provider", `whether provider ${provider.name} sets ${kind.providerSwitch} is checked when \`pulumi up\` runs`);
    } else if (setting === true || setting === "true") {
        yield {
            path: "provider",
            message: `is ${provider.name}, which sets ${kind.providerSwitch}: true, so a change to this ${kind.kind} is applied in place ` +
                `instead of replacing it; remove ${kind.providerSwitch} from that provider (and the ${kind.environmentVariable} ` +
                `variable or the kubernetes:${kind.providerSwitch} stack setting), or give flagged ${kind.kind}s a provider without it.`,
        };
    }
}

function* mutableConfig(resource: ResourceView): Iterable<Finding> {
    const kind = CONFIG_TYPES.get(resource.type);
    if (kind) {
        yield* onlyIfFlagged(resource, [...notImmutable(resource, kind), ...mutableByProvider(resource, kind)]);
    }
}

export const kubernetesConfigImmutable = defineResourcePolicy<Record<string, never>>({
    name: "kubernetes-config-immutable",
    displayName: "Flagged ConfigMaps and Secrets are immutable",
    description:
        "A ConfigMap or Secret flagged immutable (label, type or URN) must set `immutable: true`, and must not be " +
        "managed by a Kubernetes provider with `enableConfigMapMutable` / `enableSecretMutable`, which turns the " +
        "provider's replace-on-change into an in-place update.",
    severity: "medium",
    enforcementLevel: "mandatory",
    tags: ["immutability", "kubernetes"],
    remediationSteps:
        "Set `immutable: true` on the ConfigMap or Secret and give it a name that changes with its content, so a change " +
        "creates a new object and rolls the pods that use it. Remove `enableConfigMapMutable` / `enableSecretMutable` " +
        "from the provider that manages it.",
    config: {},
    readConfig: () => ({}),
    appliesTo: (type) => CONFIG_TYPES.has(type),
    check: mutableConfig,
});
