import { strict as assert } from "assert";
import { ecrImageTagsImmutable as policy } from "../rules/ecr-image-tags-immutable";
import { UNKNOWN_ARRAY, UNKNOWN_STRING } from "../rules/lib/unknowns";
import { clone, fixture } from "./lib/fixtures";
import { advisory, mandatory, runResourcePolicy, theOnly } from "./lib/harness";

const load = (name: string) => fixture("ecr-image-tags-immutable", name);

describe("ecr-image-tags-immutable", () => {
    it("passes a repository whose tags are IMMUTABLE", async () => {
        assert.deepEqual(await runResourcePolicy(policy, load("repository-immutable")), []);
    });

    it("rejects a repository left at the provider's default MUTABLE", async () => {
        const finding = theOnly(mandatory(await runResourcePolicy(policy, load("repository-mutable-by-default"))));
        assert.match(finding.message, /^imageTagMutability of reporter \(aws:ecr\/repository:Repository\): is "MUTABLE", so any tag can be moved/);
        assert.match(finding.message, /set `imageTagMutability: "IMMUTABLE"`/);
    });

    it("rejects a repository that does not set imageTagMutability, which means MUTABLE", async () => {
        const f = clone(load("repository-mutable-by-default"));
        delete f.props.imageTagMutability;
        const [finding] = mandatory(await runResourcePolicy(policy, f));
        assert.match(finding.message, /^imageTagMutability of reporter .*is not set, so it defaults to "MUTABLE"/);
    });

    it("rejects IMMUTABLE_WITH_EXCLUSION by default, naming each excluded filter", async () => {
        const messages = mandatory(await runResourcePolicy(policy, load("repository-immutable-except-latest"))).map((r) => r.message);
        assert.equal(messages.length, 2);
        assert.match(messages[0], /^imageTagMutabilityExclusionFilters\[0\]\.filter of web .*excludes tags matching "latest" from immutability.*allowedExclusionFilters \(none\)/);
        assert.match(messages[1], /^imageTagMutabilityExclusionFilters\[1\]\.filter of web .*"dev-\*"/);
    });

    it("passes IMMUTABLE_WITH_EXCLUSION when every filter is allowed", async () => {
        const config = { allowedExclusionFilters: ["latest", "dev-*"] };
        assert.deepEqual(await runResourcePolicy(policy, load("repository-immutable-except-latest"), config), []);
    });

    it("reports only the filters that are not allowed", async () => {
        const finding = theOnly(mandatory(await runResourcePolicy(policy, load("repository-immutable-except-latest"), { allowedExclusionFilters: ["latest"] })));
        assert.match(finding.message, /ExclusionFilters\[1\]\.filter of web .*"dev-\*".*allowedExclusionFilters \("latest"\)/);
    });

    it("rejects a creation template whose repositories would keep mutable tags", async () => {
        const [finding] = mandatory(await runResourcePolicy(policy, load("creation-template-mutable-with-exclusion")));
        assert.match(finding.message, /^imageTagMutability of pull-through \(aws:ecr\/repositoryCreationTemplate:RepositoryCreationTemplate\): is "MUTABLE_WITH_EXCLUSION", so every tag the exclusion filters do not match can be moved/);
    });

    it("rejects a value that is not a mutability setting", async () => {
        const f = clone(load("repository-immutable"));
        f.props.imageTagMutability = "immutable";
        const [finding] = mandatory(await runResourcePolicy(policy, f));
        assert.match(finding.message, /is "immutable", not a tag mutability setting/);
    });

    it("reports a mutability unknown at preview as advisory", async () => {
        const f = clone(load("repository-immutable"));
        f.props.imageTagMutability = UNKNOWN_STRING;
        const reported = await runResourcePolicy(policy, f);
        assert.deepEqual(reported.map((r) => r.level), ["advisory"]);
        assert.match(advisory(reported)[0].message, /checked when `pulumi up` runs/);
    });

    it("reports exclusion filters unknown at preview as advisory", async () => {
        const f = clone(load("repository-immutable-except-latest"));
        f.props.imageTagMutabilityExclusionFilters = UNKNOWN_ARRAY;
        assert.deepEqual((await runResourcePolicy(policy, f)).map((r) => r.level), ["advisory"]);
    });

    it("ignores resources that are not repositories", async () => {
        const rule = { type: "aws:ecr/lifecyclePolicy:LifecyclePolicy", props: { repository: "web", policy: "{}" } };
        assert.deepEqual(await runResourcePolicy(policy, rule), []);
    });

    it("fails closed on a malformed allowedExclusionFilters", async () => {
        const [finding] = mandatory(await runResourcePolicy(policy, load("repository-immutable"), { allowedExclusionFilters: "latest" }));
        assert.match(finding.message, /policy config is invalid \(allowedExclusionFilters must be a list/);
    });
});
