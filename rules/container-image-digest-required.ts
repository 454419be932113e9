import { ConfigError, defineResourcePolicy, type Finding, type Props, type ResourceView } from "./lib/policy";
import {
    canonicalRepository,
    containerImages,
    isPinnedByDigest,
    namesContainerImages,
    parseImageReference,
    type ImageReference,
} from "./lib/container-images";
import { describeValue, quote, unknownAtPreview } from "./lib/findings";
import { allowedListGuard } from "./lib/locked-settings";
import { isUnknown } from "./lib/unknowns";

interface DigestConfig {
    /** Registry or repository prefixes images must come from; empty means any. */
    allowedRegistries: string[];
}

const RESOLVE_DIGEST =
    "resolve the digest (`crane digest <image>` or `docker buildx imagetools inspect <image>`) " +
    "and pin it as `<image>@sha256:<digest>` (a tag may stay in front of the digest)";

// Image references are identifying values, and registry, path, tag and digest together run long.
const quoteImage = (reference: string) => quote(reference, 200);

/** `containerDefinitions[1].image` → `image`: the key the one-line fix sets. */
function keyOf(path: string): string {
    return path.slice(path.lastIndexOf(".") + 1).replace(/\[\d+\]$/, "");
}

/**
 * The fix for an image not pinned by digest, written with the user's own reference: the line to
 * set, and the command that prints the digest (`docker buildx imagetools inspect` does too; the
 * remediation steps name it). A `latest` tag is left out of the pin: it names no version.
 */
function pinFix(path: string, reference: ImageReference): string {
    const keepTag = reference.tag !== undefined && reference.tag !== "latest";
    const named = `${reference.repository}${reference.tag !== undefined ? `:${reference.tag}` : ""}`;
    const pinned = `${reference.repository}${keepTag ? `:${reference.tag}` : ""}@sha256:<digest>`;
    if (named.length > 120) {
        return RESOLVE_DIGEST;
    }
    return `pin its digest: \`${keyOf(path)}: "${pinned}"\` (\`crane digest ${named}\` prints it)`;
}

/** What is wrong with a digest that is not `sha256:` and 64 lowercase hex digits, and its fix. */
function digestProblem(path: string, reference: ImageReference & { digest: string }): string {
    const [algorithm, hex = ""] = reference.digest.split(":", 2);
    const shown = reference.digest.length > 80 ? `${reference.digest.slice(0, 80)}…` : reference.digest;
    if (algorithm === "sha256" && /^[0-9a-fA-F]{64}$/.test(hex) && hex !== hex.toLowerCase()) {
        const fixed = `${reference.repository}${reference.tag !== undefined ? `:${reference.tag}` : ""}@sha256:${hex.toLowerCase()}`;
        return `has its digest in upper case, which registries refuse; write it in lower case: \`${keyOf(path)}: "${fixed}"\``;
    }
    if (algorithm === "sha256" && /^[0-9a-fA-F]+$/.test(hex) && hex.length < 64) {
        return `has a truncated digest (${hex.length} of 64 hex digits), which no registry resolves; ${pinFix(path, reference)}`;
    }
    return `has digest "${shown}", which is not \`sha256:\` followed by 64 lowercase hex digits; ${pinFix(path, reference)}`;
}

/** Whether a repository (or a narrower prefix) lies under an allowed registry or repository prefix. */
function underPrefix(prefix: string, candidate: string): boolean {
    return candidate === prefix || candidate.startsWith(prefix.endsWith("/") ? prefix : `${prefix}/`);
}

function fromAllowedRegistry(repository: string, prefixes: readonly string[]): boolean {
    const candidates = [repository, canonicalRepository(repository)];
    return prefixes.some((prefix) => candidates.some((candidate) => underPrefix(prefix, candidate)));
}

function checkImage(path: string, value: unknown, config: DigestConfig): Finding | undefined {
    if (isUnknown(value)) {
        return unknownAtPreview(path);
    }
    if (typeof value !== "string" || value.trim() === "") {
        const found = typeof value === "string" ? "empty" : describeValue(value);
        return { path, message: `the image is ${found}, not an image reference; set it to \`<image>@sha256:<digest>\`.` };
    }
    const reference = parseImageReference(value);
    if (!reference) {
        return { path, message: `${quoteImage(value)} is not a valid image reference; ${RESOLVE_DIGEST}.` };
    }
    if (!isPinnedByDigest(reference)) {
        const found = reference.digest !== undefined
            ? digestProblem(path, { ...reference, digest: reference.digest })
            : reference.tag !== undefined
                ? `is pinned by the tag "${reference.tag}" only, which can be moved to other content; ${pinFix(path, reference)}`
                : `has no tag and no digest, so it means whatever \`latest\` points to at pull time; ${pinFix(path, reference)}`;
        return { path, message: `image ${quoteImage(value)} ${found}.` };
    }
    if (config.allowedRegistries.length > 0 && !fromAllowedRegistry(reference.repository, config.allowedRegistries)) {
        return {
            path,
            message: `image ${quoteImage(value)} comes from outside the allowed registries ` +
                `(${config.allowedRegistries.join(", ")}); copy it into one of them and pin its digest.`,
        };
    }
    return undefined;
}

function* imagesNotPinned(resource: ResourceView, config: DigestConfig): Iterable<Finding> {
    const { images, unreadable } = containerImages(resource.type, resource.props);
    for (const problem of unreadable) {
        yield problem.unknown
            ? { path: problem.path, advisory: true, message: `${problem.reason}; the images in it are checked when \`pulumi up\` runs.` }
            : { path: problem.path, message: `its images cannot be read because ${problem.reason}; fix the value so every image can be checked.` };
    }
    for (const { path, value } of images) {
        const finding = checkImage(path, value, config);
        if (finding) {
            yield finding;
        }
    }
}

function readDigestConfig(raw: Props): DigestConfig {
    const allowed = raw.allowedRegistries ?? [];
    if (!Array.isArray(allowed) || allowed.some((p) => typeof p !== "string" || p === "")) {
        throw new ConfigError("allowedRegistries must be a list of non-empty registry prefixes");
    }
    return { allowedRegistries: allowed as string[] };
}

export const containerImageDigestRequired = defineResourcePolicy<DigestConfig>({
    name: "container-image-digest-required",
    displayName: "Container images pinned by digest",
    description:
        "Every container image a resource runs (Kubernetes workloads and pod templates, ECS task definitions, " +
        "Lambda image functions, Batch job definitions, App Runner services, SageMaker models) must be pinned by " +
        "`@sha256:<64 hex digits>`, so what is deployed is exactly what was reviewed and scanned.",
    severity: "high",
    enforcementLevel: "mandatory",
    tags: ["supply-chain", "immutability", "kubernetes", "aws"],
    remediationSteps:
        "Resolve the image's digest with `crane digest <image>` or `docker buildx imagetools inspect <image>`, then " +
        "reference it as `registry/repo@sha256:<digest>` (or `registry/repo:tag@sha256:<digest>`). With a " +
        "`docker-build.Image` or `docker.Image` resource, use its `digest`/`repoDigest` output.",
    config: {
        allowedRegistries: {
            type: "array",
            items: { type: "string", minLength: 1 },
            description: "Registry or repository prefixes images must come from (e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com`). Empty allows any.",
        },
    },
    readConfig: readDigestConfig,
    guards: {
        allowedRegistries: allowedListGuard("allowedRegistries", "allows images from", { emptyAllowsAll: "images from any registry", covers: underPrefix }),
    },
    appliesTo: namesContainerImages,
    check: imagesNotPinned,
});
