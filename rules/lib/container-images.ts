import { isJsonObject, readJsonProperty } from "./json-property";
import type { Props } from "./policy";
import { isUnknown } from "./unknowns";

/** Where one image reference was found, and what is there (a string, an unknown sentinel, or junk). */
export interface ImageLocation {
    path: string;
    value: unknown;
}

/** A place that should hold images but could not be read, e.g. a container list that is not JSON. */
export interface UnreadableImages {
    path: string;
    reason: string;
    unknown?: boolean;
}

export interface ImageScan {
    images: ImageLocation[];
    unreadable: UnreadableImages[];
}

// ---------------------------------------------------------------------------------------------
// Kubernetes: the pod spec path of each workload kind. Patch variants share the path; `…List`
// kinds hold the same under `items[]`. API groups include the deprecated ones that old charts use,
// and custom resources that embed a pod template.

const POD_SPEC_PATH_BY_KIND: Record<string, string[]> = {
    Pod: ["spec"],
    PodTemplate: ["template", "spec"],
    Deployment: ["spec", "template", "spec"],
    StatefulSet: ["spec", "template", "spec"],
    DaemonSet: ["spec", "template", "spec"],
    ReplicaSet: ["spec", "template", "spec"],
    ReplicationController: ["spec", "template", "spec"],
    Job: ["spec", "template", "spec"],
    CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
    // Argo Rollouts (`argoproj.io`), a custom resource that replaces a Deployment for canary and blue-green releases.
    Rollout: ["spec", "template", "spec"],
};

const CONTAINER_LISTS = ["containers", "initContainers", "ephemeralContainers"];

const KUBERNETES_TYPE = /^kubernetes:[a-z0-9.]*\/?[a-z0-9]+:([A-Za-z]+?)(Patch|List)?$/;

function kubernetesWorkload(type: string): { path: string[]; list: boolean } | undefined {
    const match = KUBERNETES_TYPE.exec(type);
    if (!match) {
        return undefined;
    }
    const path = POD_SPEC_PATH_BY_KIND[match[1]];
    return path ? { path, list: match[2] === "List" } : undefined;
}

function child(value: unknown, key: string): unknown {
    return isJsonObject(value) ? value[key] : undefined;
}

/** Walks a Kubernetes-style container list (`[{name, image}]`), which may be unknown or malformed. */
function scanContainerList(list: unknown, path: string, scan: ImageScan): void {
    if (list === undefined || list === null) {
        return;
    }
    if (isUnknown(list)) {
        scan.unreadable.push({ path, reason: "the container list is not known until the resources it depends on exist", unknown: true });
        return;
    }
    if (!Array.isArray(list)) {
        scan.unreadable.push({ path, reason: `it is a ${typeof list}, not a list of containers` });
        return;
    }
    list.forEach((container: unknown, i: number) => {
        if (isUnknown(container)) {
            scan.unreadable.push({ path: `${path}[${i}]`, reason: "the container is not known until the resources it depends on exist", unknown: true });
            return;
        }
        const image = child(container, "image");
        if (image !== undefined) {
            scan.images.push({ path: `${path}[${i}].image`, value: image });
        }
    });
}

function scanPodSpec(podSpec: unknown, path: string, scan: ImageScan): void {
    if (podSpec === undefined || podSpec === null) {
        return;
    }
    if (isUnknown(podSpec)) {
        scan.unreadable.push({ path, reason: "the pod spec is not known until the resources it depends on exist", unknown: true });
        return;
    }
    for (const list of CONTAINER_LISTS) {
        scanContainerList(child(podSpec, list), `${path}.${list}`, scan);
    }
}

function scanKubernetes(props: Props, workload: { path: string[]; list: boolean }, scan: ImageScan): void {
    const walk = (root: unknown, prefix: string) => {
        let node = root;
        for (const key of workload.path) {
            if (isUnknown(node)) {
                break;
            }
            node = child(node, key);
        }
        scanPodSpec(node, prefix + workload.path.join("."), scan);
    };
    if (workload.list) {
        const items = props.items;
        if (Array.isArray(items)) {
            items.forEach((item, i) => walk(item, `items[${i}].`));
        }
        return;
    }
    walk(props, "");
}

// ---------------------------------------------------------------------------------------------
// AWS: every input of `@pulumi/aws` 7 that names a container image to run.

/** Reads a property that holds JSON (string or object), reporting what cannot be read. */
function scanJson(props: Props, key: string, scan: ImageScan, visit: (doc: unknown, path: string) => void): void {
    const doc = readJsonProperty(props[key]);
    switch (doc.kind) {
        case "absent":
            return;
        case "unknown":
            scan.unreadable.push({ path: key, reason: "it is not known until the resources it depends on exist", unknown: true });
            return;
        case "invalid":
            scan.unreadable.push({ path: key, reason: doc.reason });
            return;
        case "value":
            visit(doc.value, key);
    }
}

/** Follows keys from a node; an unknown on the way means the images below it cannot be known yet. */
function descend(node: unknown, keys: readonly string[], path: string, scan: ImageScan): unknown {
    let current = node;
    let at = path;
    for (const key of keys) {
        if (isUnknown(current)) {
            scan.unreadable.push({ path: at, reason: "it is not known until the resources it depends on exist", unknown: true });
            return undefined;
        }
        current = child(current, key);
        at = at ? `${at}.${key}` : key;
    }
    return current;
}

function imageAt(node: unknown, key: string, path: string, scan: ImageScan): void {
    const value = descend(node, [key], path, scan);
    if (value !== undefined) {
        scan.images.push({ path: `${path}.${key}`, value });
    }
}

function eachOf(list: unknown, path: string, scan: ImageScan, visit: (item: unknown, path: string) => void): void {
    if (isUnknown(list)) {
        scan.unreadable.push({ path, reason: "the list is not known until the resources it depends on exist", unknown: true });
    } else if (Array.isArray(list)) {
        list.forEach((item, i) => visit(item, `${path}[${i}]`));
    }
}

function scanEcsContainerDefinitions(doc: unknown, path: string, scan: ImageScan): void {
    if (!Array.isArray(doc)) {
        scan.unreadable.push({ path, reason: "it is not a JSON list of container definitions" });
        return;
    }
    eachOf(doc, path, scan, (container, p) => imageAt(container, "image", p, scan));
}

function scanBatchEcsProperties(doc: unknown, path: string, scan: ImageScan): void {
    eachOf(child(doc, "taskProperties"), `${path}.taskProperties`, scan, (task, p) =>
        eachOf(child(task, "containers"), `${p}.containers`, scan, (container, q) => imageAt(container, "image", q, scan)));
}

const AWS_IMAGE_SCANNERS: Record<string, (props: Props, scan: ImageScan) => void> = {
    "aws:ecs/taskDefinition:TaskDefinition": (props, scan) =>
        scanJson(props, "containerDefinitions", scan, (doc, path) => scanEcsContainerDefinitions(doc, path, scan)),
    "aws:lambda/function:Function": (props, scan) => {
        if (props.imageUri !== undefined || props.packageType === "Image") {
            scan.images.push({ path: "imageUri", value: props.imageUri });
        }
    },
    "aws:batch/jobDefinition:JobDefinition": (props, scan) => {
        scanJson(props, "containerProperties", scan, (doc, path) => imageAt(doc, "image", path, scan));
        scanJson(props, "ecsProperties", scan, (doc, path) => scanBatchEcsProperties(doc, path, scan));
        scanJson(props, "nodeProperties", scan, (doc, path) =>
            eachOf(child(doc, "nodeRangeProperties"), `${path}.nodeRangeProperties`, scan, (range, p) => {
                imageAt(child(range, "container"), "image", `${p}.container`, scan);
                scanBatchEcsProperties(child(range, "ecsProperties"), `${p}.ecsProperties`, scan);
            }));
        const pod = descend(props, ["eksProperties", "podProperties"], "", scan);
        scanContainerList(child(pod, "containers"), "eksProperties.podProperties.containers", scan);
        scanContainerList(child(pod, "initContainers"), "eksProperties.podProperties.initContainers", scan);
    },
    "aws:apprunner/service:Service": (props, scan) => {
        const repository = descend(props, ["sourceConfiguration", "imageRepository"], "", scan);
        if (repository !== undefined) {
            imageAt(repository, "imageIdentifier", "sourceConfiguration.imageRepository", scan);
        }
    },
    "aws:sagemaker/model:Model": (props, scan) => {
        imageAt(props.primaryContainer, "image", "primaryContainer", scan);
        eachOf(props.containers, "containers", scan, (container, p) => imageAt(container, "image", p, scan));
    },
};

/** True for every type token whose inputs can name a container image. */
export function namesContainerImages(type: string): boolean {
    return type in AWS_IMAGE_SCANNERS || kubernetesWorkload(type) !== undefined;
}

/** Every container image a resource's inputs name, with its property path. */
export function containerImages(type: string, props: Props): ImageScan {
    const scan: ImageScan = { images: [], unreadable: [] };
    const aws = AWS_IMAGE_SCANNERS[type];
    if (aws) {
        aws(props, scan);
        return scan;
    }
    const workload = kubernetesWorkload(type);
    if (workload) {
        scanKubernetes(props, workload, scan);
    }
    return scan;
}

// ---------------------------------------------------------------------------------------------
// Image references: `[registry[:port]/]path[:tag][@algorithm:digest]`. The tag is whatever follows
// the last `:` after the last `/`, so a registry port is never mistaken for a tag.

export interface ImageReference {
    repository: string;
    tag?: string;
    digest?: string;
}

const REPOSITORY = /^[a-z0-9]+(?:[._-][a-z0-9]+|[a-z0-9])*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/i;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;

export function parseImageReference(reference: string): ImageReference | undefined {
    const at = reference.indexOf("@");
    const nameAndTag = at === -1 ? reference : reference.slice(0, at);
    const digest = at === -1 ? undefined : reference.slice(at + 1);
    const lastSlash = nameAndTag.lastIndexOf("/");
    const colon = nameAndTag.indexOf(":", lastSlash + 1);
    const repository = colon === -1 ? nameAndTag : nameAndTag.slice(0, colon);
    const tag = colon === -1 ? undefined : nameAndTag.slice(colon + 1);
    if (!REPOSITORY.test(repository) || (tag !== undefined && !TAG.test(tag)) || digest === "") {
        return undefined;
    }
    return { repository, tag, digest };
}

export function isPinnedByDigest(reference: ImageReference): boolean {
    return reference.digest !== undefined && SHA256_DIGEST.test(reference.digest);
}

/** The repository as Docker resolves it: `nginx` is `docker.io/library/nginx`. */
export function canonicalRepository(repository: string): string {
    const first = repository.split("/")[0];
    const hasRegistry = repository.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
    if (hasRegistry) {
        return repository;
    }
    return repository.includes("/") ? `docker.io/${repository}` : `docker.io/library/${repository}`;
}
