import { describeValue, quote, unknownAtPreview } from "./lib/findings";
import { allowedListGuard } from "./lib/locked-settings";
import { ConfigError, defineResourcePolicy, type Finding, type Props, type ResourceView } from "./lib/policy";
import { isUnknown } from "./lib/unknowns";

/** The resources that set the tag mutability of ECR repositories: a repository, and the template for repositories ECR creates itself. */
const ECR_TYPES: ReadonlySet<string> = new Set([
    "aws:ecr/repository:Repository",
    // v7: repositories created on push, by pull-through cache or by replication take their settings from it.
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate",
]);

interface EcrConfig {
    /**
     * Tag filters an `IMMUTABLE_WITH_EXCLUSION` repository may exempt (compared as written, e.g.
     * `latest`). Empty, the default, means every tag must be immutable.
     */
    allowedExclusionFilters: string[];
}

function readEcrConfig(raw: Props): EcrConfig {
    const filters = raw.allowedExclusionFilters ?? [];
    if (!Array.isArray(filters) || filters.some((f) => typeof f !== "string" || f === "")) {
        throw new ConfigError("allowedExclusionFilters must be a list of non-empty tag filters");
    }
    return { allowedExclusionFilters: filters as string[] };
}

const SET_IMMUTABLE = 'set `imageTagMutability: "IMMUTABLE"`';

function* exclusionsNotAllowed(props: Props, config: EcrConfig): Iterable<Finding> {
    const filters = props.imageTagMutabilityExclusionFilters;
    if (isUnknown(filters)) {
        yield unknownAtPreview("imageTagMutabilityExclusionFilters");
        return;
    }
    if (!Array.isArray(filters)) {
        return;
    }
    const allowed = config.allowedExclusionFilters;
    const allowedText = allowed.length > 0 ? allowed.map((filter) => quote(filter)).join(", ") : "none";
    for (const [i, entry] of filters.entries()) {
        const path = `imageTagMutabilityExclusionFilters[${i}].filter`;
        const filter = entry !== null && typeof entry === "object" ? (entry as Props).filter : undefined;
        if (isUnknown(filter) || isUnknown(entry)) {
            yield unknownAtPreview(path);
        } else if (typeof filter !== "string" || !allowed.includes(filter)) {
            const found = typeof filter === "string" ? `excludes tags matching ${quote(filter)}` : `is ${describeValue(filter)}`;
            yield {
                path,
                message: `${found} from immutability, so those tags can be moved to other images; this pack allows only the ` +
                    `filters in allowedExclusionFilters (${allowedText}): remove it, or ${SET_IMMUTABLE}.`,
            };
        }
    }
}

function* mutableTags(resource: ResourceView, config: EcrConfig): Iterable<Finding> {
    const path = "imageTagMutability";
    const mutability = resource.props.imageTagMutability;
    if (isUnknown(mutability)) {
        yield unknownAtPreview(path);
    } else if (mutability === undefined || mutability === null) {
        yield { path, message: `is not set, so it defaults to "MUTABLE" and any tag can be moved to another image; ${SET_IMMUTABLE}.` };
    } else if (mutability === "IMMUTABLE_WITH_EXCLUSION") {
        yield* exclusionsNotAllowed(resource.props, config);
    } else if (mutability === "MUTABLE" || mutability === "MUTABLE_WITH_EXCLUSION") {
        const scope = mutability === "MUTABLE" ? "any tag" : "every tag the exclusion filters do not match";
        yield { path, message: `is "${mutability}", so ${scope} can be moved to another image; ${SET_IMMUTABLE}.` };
    } else if (mutability !== "IMMUTABLE") {
        const found = typeof mutability === "string" ? quote(mutability) : describeValue(mutability);
        yield { path, message: `is ${found}, not a tag mutability setting; ${SET_IMMUTABLE}.` };
    }
}

export const ecrImageTagsImmutable = defineResourcePolicy<EcrConfig>({
    name: "ecr-image-tags-immutable",
    displayName: "ECR image tags cannot be moved",
    description:
        "An ECR repository (and a repository creation template) must set `imageTagMutability` to `IMMUTABLE`, so a " +
        "tag always names the image first pushed under it. `IMMUTABLE_WITH_EXCLUSION` passes only when every " +
        "exclusion filter is listed in `allowedExclusionFilters`.",
    severity: "medium",
    enforcementLevel: "mandatory",
    tags: ["supply-chain", "immutability", "aws", "ecr"],
    remediationSteps:
        "Set `imageTagMutability: \"IMMUTABLE\"` on the `aws.ecr.Repository` and push every build under a new tag " +
        "(a version or commit hash). Existing repositories switch in place; tags already pushed stay where they are.",
    config: {
        allowedExclusionFilters: {
            type: "array",
            items: { type: "string", minLength: 1 },
            description: "Tag filters an `IMMUTABLE_WITH_EXCLUSION` repository may exempt from immutability, as written in `imageTagMutabilityExclusionFilters` (e.g. `latest`). Default none.",
        },
    },
    readConfig: readEcrConfig,
    guards: { allowedExclusionFilters: allowedListGuard("allowedExclusionFilters", "allows the exclusion filter") },
    appliesTo: (type) => ECR_TYPES.has(type),
    check: mutableTags,
});
