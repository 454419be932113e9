/**
 * A stand-in for the `kubernetes` provider (pulumi-kubernetes 4.x) with no cluster behind it: it answers
 * Check, Diff, Create and Update the way the real provider does for the kinds the example programs use,
 * so the engine records the checked inputs and the state a real `pulumi up` records.
 *
 * Modelled on pulumi-kubernetes:
 * - Check: `metadata.name` auto-named `<logical name>-<8 hex>` with the annotation
 *   `pulumi.com/autonamed: "true"`, adopted from the old inputs when they were auto-named; the provider's
 *   `namespace` config as the namespace of namespaced kinds that set none; a Secret's `stringData`
 *   base64-encoded into `data`, which is kept secret; read-only metadata (uid, resourceVersion, …)
 *   dropped; the `app.kubernetes.io/managed-by: pulumi` label on new objects only when server-side apply
 *   is turned off, and kept while the old object has it.
 * - Diff: a detailed diff of the inputs, the namespace read as `default` when unset; replacements for
 *   `metadata.name` and `metadata.namespace`, the immutable fields of each kind (a Deployment's
 *   selector, a RoleBinding's roleRef, a Job's template, …) and ConfigMap and Secret data unless the
 *   provider sets `enableConfigMapMutable` / `enableSecretMutable` and the object is not `immutable`;
 *   delete-before-replace when the object keeps a name it was given.
 * - Create/Update: the live object is the inputs plus the namespace `default`, uid, resourceVersion and
 *   creationTimestamp (unknown at preview for a new object), with `__inputs`, `__initialApiVersion`
 *   and `__fieldManager` as the provider stores them. No server-side defaults, no status.
 */
import { randomUUID } from "crypto";
import { DiffOutcome, diffInputs } from "./lib/diff";
import { logicalName, randomHex } from "./lib/naming";
import { StandIn } from "./lib/serve";
import { Properties, UNKNOWN, Value, clone, containsUnknown, deepEqual, isObject, isSecret, reveal, secret } from "./lib/values";

const AUTONAMED = "pulumi.com/autonamed";
const MANAGED_BY = "app.kubernetes.io/managed-by";
const AUTO_NAME_SUFFIX_LENGTH = 8;
const READ_ONLY_METADATA = ["creationTimestamp", "deletionGracePeriodSeconds", "deletionTimestamp", "generation", "managedFields", "resourceVersion", "uid"];

const CLUSTER_SCOPED_KINDS = new Set([
    "APIService", "CertificateSigningRequest", "ClusterRole", "ClusterRoleBinding", "CSIDriver", "CSINode",
    "CustomResourceDefinition", "IngressClass", "MutatingWebhookConfiguration", "Namespace", "Node",
    "PersistentVolume", "PriorityClass", "RuntimeClass", "StorageClass", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding", "ValidatingWebhookConfiguration", "VolumeAttachment",
]);

/** Fields the API server refuses to change, by `<apiVersion> <kind>`: changing them replaces the object. */
const IMMUTABLE_FIELDS: Record<string, string[]> = {
    "apps/v1 Deployment": ["spec.selector"],
    "apps/v1 DaemonSet": ["spec.selector"],
    "apps/v1 StatefulSet": ["spec.podManagementPolicy", "spec.revisionHistoryLimit", "spec.selector", "spec.serviceName", "spec.volumeClaimTemplates"],
    "batch/v1 Job": ["spec.completions", "spec.parallelism", "spec.selector", "spec.template"],
    "rbac.authorization.k8s.io/v1 RoleBinding": ["roleRef"],
    "rbac.authorization.k8s.io/v1 ClusterRoleBinding": ["roleRef"],
    "v1 Service": ["spec.clusterIP"],
    "v1 PersistentVolumeClaim": ["spec.accessModes", "spec.selector", "spec.storageClassName", "spec.volumeName"],
    "storage.k8s.io/v1 StorageClass": ["parameters", "provisioner"],
};

const truthy = (value: Value | undefined) => value === true || value === "true";

function metadataOf(object: Properties): Properties {
    if (!isObject(object.metadata)) {
        object.metadata = {};
    }
    return object.metadata as Properties;
}

const nameOf = (object: Properties): Value | undefined => (isObject(object.metadata) ? object.metadata.name : undefined);
const namespaceOf = (object: Properties): Value | undefined => (isObject(object.metadata) ? object.metadata.namespace : undefined);
const isAutonamed = (object: Properties) => isObject(object.metadata) && isObject(object.metadata.annotations) && object.metadata.annotations[AUTONAMED] === "true";
const isNamespaced = (object: Properties) => !CLUSTER_SCOPED_KINDS.has(String(object.kind));

function markAutonamed(metadata: Properties): void {
    metadata.annotations = { ...(isObject(metadata.annotations) ? metadata.annotations : {}), [AUTONAMED]: "true" };
}

/** What the API server stores for `stringData`: each value base64-encoded into `data`, which stays secret. */
function secretStringDataIntoData(object: Properties): void {
    const stringData = reveal(object.stringData);
    if (!isObject(stringData) || Object.keys(stringData).length === 0 || containsUnknown(object)) {
        return;
    }
    const data = { ...(isObject(reveal(object.data)) ? (reveal(object.data) as Properties) : {}) };
    for (const [key, value] of Object.entries(stringData)) {
        data[key] = Buffer.from(String(reveal(value))).toString("base64");
    }
    object.data = secret(data);
    delete object.stringData;
}

export class KubernetesStandIn implements StandIn {
    readonly version: string;
    private defaultNamespace: string | undefined;
    private serverSideApply = true;
    private configMapMutable = false;
    private secretMutable = false;

    constructor(version: string) {
        this.version = version;
    }

    configure(config: Properties): void {
        this.defaultNamespace = typeof config.namespace === "string" && config.namespace !== "" ? config.namespace : undefined;
        this.serverSideApply = config.enableServerSideApply === undefined || truthy(config.enableServerSideApply);
        this.configMapMutable = truthy(config.enableConfigMapMutable);
        this.secretMutable = truthy(config.enableSecretMutable);
    }

    check(urn: string, olds: Properties, news: Properties): Properties {
        const inputs = clone(news);
        const metadata = metadataOf(inputs);
        const named = metadata.name !== undefined && metadata.name !== null && metadata.name !== "";
        if (!named && metadata.generateName === undefined) {
            if (Object.keys(olds).length > 0) {
                if (isAutonamed(olds)) {
                    metadata.name = nameOf(olds) ?? null;
                    markAutonamed(metadata);
                }
            } else {
                metadata.name = `${logicalName(urn)}-${randomHex(AUTO_NAME_SUFFIX_LENGTH)}`;
                markAutonamed(metadata);
            }
        }
        // Set on objects created by client-side apply, and kept on an existing object only while it has it.
        const hasManagedBy = (object: Properties) => isObject(object.metadata) && isObject(object.metadata.labels) && MANAGED_BY in object.metadata.labels;
        if (Object.keys(olds).length > 0 ? hasManagedBy(olds) : !this.serverSideApply) {
            metadata.labels = { ...(isObject(metadata.labels) ? metadata.labels : {}), [MANAGED_BY]: "pulumi" };
        }
        if (this.defaultNamespace && isNamespaced(inputs) && !metadata.namespace) {
            metadata.namespace = this.defaultNamespace;
        }
        for (const field of READ_ONLY_METADATA) {
            delete metadata[field];
        }
        if (inputs.kind === "Secret") {
            secretStringDataIntoData(inputs);
            for (const key of ["data", "stringData"]) {
                if (inputs[key] !== undefined && !isSecret(inputs[key])) {
                    inputs[key] = secret(inputs[key]);
                }
            }
        }
        return inputs;
    }

    private forceNew(object: Properties): string[] {
        const fields = ["metadata.name", "metadata.namespace", ...(IMMUTABLE_FIELDS[`${object.apiVersion} ${object.kind}`] ?? [])];
        const immutable = truthy(object.immutable);
        if (object.kind === "Secret" && (!this.secretMutable || immutable)) {
            fields.push("type", "stringData", "data");
        } else if (object.kind === "Secret") {
            fields.push("type");
        } else if (object.kind === "ConfigMap" && (!this.configMapMutable || immutable)) {
            fields.push("binaryData", "data");
        }
        return fields;
    }

    /** The namespace as the provider compares it: `default` when unset, none for cluster-scoped kinds. */
    private canonical(object: Properties): Properties {
        const copy = clone(object);
        const metadata = metadataOf(copy);
        if (isNamespaced(copy)) {
            metadata.namespace = metadata.namespace || "default";
        } else {
            delete metadata.namespace;
        }
        return copy;
    }

    diff(_urn: string, oldInputs: Properties, oldOutputs: Properties, news: Properties): DiffOutcome {
        const outcome = diffInputs(this.canonical(oldInputs), this.canonical(news), this.forceNew(news), { replacesAsPaths: true });
        const keepsGivenName =
            !isAutonamed(news) && nameOf(news) !== undefined && deepEqual(nameOf(news), nameOf(oldOutputs)) && deepEqual(namespaceOf(this.canonical(news)), namespaceOf(oldOutputs));
        // The new object takes the old one's name, so the old one has to go first.
        return { ...outcome, deleteBeforeReplace: outcome.replaces.length > 0 && keepsGivenName };
    }

    private live(inputs: Properties, known: Properties, fieldManager: Value): Properties {
        const live = clone(inputs);
        delete live.stringData;
        const metadata = metadataOf(live);
        if (isNamespaced(live)) {
            metadata.namespace = metadata.namespace || "default";
        }
        Object.assign(metadata, known);
        return { ...live, __inputs: inputs, __initialApiVersion: inputs.apiVersion ?? null, __fieldManager: fieldManager };
    }

    create(_urn: string, inputs: Properties, preview: boolean): { id: string; outputs: Properties } {
        const computed = preview
            ? { uid: UNKNOWN, resourceVersion: UNKNOWN, creationTimestamp: UNKNOWN }
            : { uid: randomUUID(), resourceVersion: String(Date.now() % 1e7), creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z") };
        const outputs = this.live(inputs, { ...computed, ...(inputs.spec !== undefined ? { generation: 1 } : {}) }, `pulumi-kubernetes-${randomHex(8)}`);
        const metadata = outputs.metadata as Properties;
        const id = preview ? "" : [metadata.namespace, metadata.name].filter((part) => typeof part === "string").join("/");
        return { id, outputs };
    }

    update(_urn: string, _id: string, oldOutputs: Properties, news: Properties, preview: boolean): Properties {
        const old = metadataOf(clone(oldOutputs));
        const generation = typeof old.generation === "number" ? old.generation + (deepEqual(news.spec, oldOutputs.spec) ? 0 : 1) : undefined;
        const known: Properties = {
            uid: old.uid ?? null,
            creationTimestamp: old.creationTimestamp ?? null,
            resourceVersion: preview ? UNKNOWN : String(Number(old.resourceVersion ?? 0) + 1),
            ...(generation !== undefined ? { generation } : {}),
        };
        return this.live(news, known, oldOutputs.__fieldManager ?? `pulumi-kubernetes-${randomHex(8)}`);
    }

    invoke(token: string): Properties {
        throw new Error(`the kubernetes test provider does not answer ${token}; add it to e2e/providers/kubernetes.ts`);
    }
}

/** The provider as its launcher starts it, reporting the version of the installed `@pulumi/kubernetes` SDK. */
export function createStandIn(): StandIn {
    return new KubernetesStandIn((require("@pulumi/kubernetes/package.json") as { version: string }).version);
}
