import { strict as assert } from "assert";
import { containerImageDigestRequired as policy } from "../rules/container-image-digest-required";
import { UNKNOWN_ARRAY, UNKNOWN_STRING } from "../rules/lib/unknowns";
import { advisory, mandatory, runResourcePolicy, theOnly, type Fixture } from "./lib/harness";
import { clone, DIGEST, fixture } from "./lib/fixtures";

const load = (name: string) => fixture("container-image-digest-required", name);

interface PodSpec {
    containers: unknown;
    initContainers?: unknown;
}

/** The pod spec of a Deployment fixture, to change one field of a known-good resource. */
const podSpecOf = (f: Fixture) => (f.props.spec as { template: { spec: PodSpec } }).template.spec;
const firstContainer = (f: Fixture) => (podSpecOf(f).containers as Array<{ image: unknown }>)[0];

describe("container-image-digest-required", () => {
    describe("Kubernetes workloads", () => {
        it("passes a Deployment whose containers and init containers are pinned by digest", async () => {
            assert.deepEqual(await runResourcePolicy(policy, load("deployment-pinned")), []);
        });

        it("rejects an init container pinned only by tag", async () => {
            const reported = mandatory(await runResourcePolicy(policy, load("deployment-init-container-tag")));
            assert.equal(reported.length, 1);
            assert.match(reported[0].message, /^spec\.template\.spec\.initContainers\[0\]\.image of checkout \(kubernetes:apps\/v1:Deployment\)/);
            assert.match(reported[0].message, /"busybox:1\.36" is pinned by the tag "1\.36" only/);
            assert.match(reported[0].message, /pin its digest: `image: "busybox:1\.36@sha256:<digest>"` \(`crane digest busybox:1\.36` prints it\)\.$/);
        });

        it("rejects a CronJob image tagged latest inside its job template", async () => {
            const [finding] = mandatory(await runResourcePolicy(policy, load("cronjob-latest")));
            assert.match(finding.message, /^spec\.jobTemplate\.spec\.template\.spec\.containers\[0\]\.image/);
            assert.match(finding.message, /"acme\/reporter:latest"/);
            assert.match(finding.message, /`image: "acme\/reporter@sha256:<digest>"`/, "the fix drops a latest tag, which names no version");
        });

        it("rejects an ephemeral container with neither tag nor digest", async () => {
            const finding = theOnly(mandatory(await runResourcePolicy(policy, load("pod-ephemeral-container-no-tag"))));
            assert.match(finding.message, /^spec\.ephemeralContainers\[0\]\.image/);
            assert.match(finding.message, /has no tag and no digest/);
        });

        it("does not mistake a registry port for a tag", async () => {
            const reported = mandatory(await runResourcePolicy(policy, load("statefulset-registry-port")));
            assert.equal(reported.length, 1);
            assert.match(reported[0].message, /containers\[0\]\.image .*tag "1\.2" only/);
        });

        it("passes a DeploymentPatch that sets no image", async () => {
            assert.deepEqual(await runResourcePolicy(policy, load("deploymentpatch-replicas-only")), []);
        });

        it("checks the Patch variant of a workload like the workload itself", async () => {
            const patch = { ...load("deployment-init-container-tag"), type: "kubernetes:apps/v1:DeploymentPatch" };
            assert.equal(mandatory(await runResourcePolicy(policy, patch)).length, 1);
        });

        for (const type of [
            "kubernetes:apps/v1:DaemonSet",
            "kubernetes:apps/v1:ReplicaSet",
            "kubernetes:core/v1:ReplicationController",
            "kubernetes:batch/v1:Job",
            "kubernetes:apps/v1beta2:Deployment",
            "kubernetes:extensions/v1beta1:DaemonSet",
        ]) {
            it(`reads the pod template of ${type}`, async () => {
                const workload = { ...load("deployment-init-container-tag"), type };
                assert.equal(mandatory(await runResourcePolicy(policy, workload)).length, 1);
            });
        }

        it("reads a PodTemplate's template", async () => {
            const template = {
                type: "kubernetes:core/v1:PodTemplate",
                props: { template: { spec: { containers: [{ name: "a", image: "nginx:1.27" }] } } },
            };
            const [finding] = mandatory(await runResourcePolicy(policy, template));
            assert.match(finding.message, /^template\.spec\.containers\[0\]\.image/);
        });

        it("reads the pod template of an Argo Rollout, a custom resource that replaces a Deployment", async () => {
            const [finding, ...rest] = mandatory(await runResourcePolicy(policy, load("rollout-argo-tag")));
            assert.equal(rest.length, 0);
            assert.match(finding.message, /^spec\.template\.spec\.containers\[0\]\.image of checkout \(kubernetes:argoproj\.io\/v1alpha1:Rollout\): image "ghcr\.io\/acme\/checkout:3\.2\.0" is pinned by the tag "3\.2\.0" only/);
        });

        it("ignores kinds that run no containers", async () => {
            const service = { type: "kubernetes:core/v1:Service", props: { spec: { containers: [{ image: "nginx" }] } } };
            assert.deepEqual(await runResourcePolicy(policy, service), []);
        });
    });

    describe("image references", () => {
        const withImage = (image: unknown) => {
            const f = clone(load("deployment-pinned"));
            firstContainer(f).image = image;
            return f;
        };

        for (const [image, why] of [
            [`nginx@sha256:${DIGEST.toUpperCase()}`, new RegExp(`has its digest in upper case, which registries refuse; write it in lower case: \`image: "nginx@sha256:${DIGEST}"\`\\.$`)],
            [`ghcr.io/acme/app:1.0@sha256:${DIGEST.slice(0, 12)}`, /has a truncated digest \(12 of 64 hex digits\), which no registry resolves; pin its digest: `image: "ghcr\.io\/acme\/app:1\.0@sha256:<digest>"`/],
            [`nginx@sha512:${DIGEST}${DIGEST}`, /not `sha256:`/],
            ["nginx@", /not a valid image reference/],
            ["ghcr.io/acme/app:1.0 ", /not a valid image reference/],
        ] as const) {
            it(`rejects ${JSON.stringify(image)}`, async () => {
                const [finding] = mandatory(await runResourcePolicy(policy, withImage(image)));
                assert.match(finding.message, why);
            });
        }

        for (const image of [
            `nginx@sha256:${DIGEST}`,
            `docker.io/library/nginx:1.27.0@sha256:${DIGEST}`,
            `localhost:5000/app@sha256:${DIGEST}`,
            `123456789012.dkr.ecr.us-east-1.amazonaws.com/team/service/api:v1.2.3-rc.1@sha256:${DIGEST}`,
        ]) {
            it(`accepts ${image.slice(0, 60)}…`, async () => {
                assert.deepEqual(await runResourcePolicy(policy, withImage(image)), []);
            });
        }

        it("reports an image that is a number instead of crashing", async () => {
            const [finding] = mandatory(await runResourcePolicy(policy, withImage(42)));
            assert.match(finding.message, /the image is a number, not an image reference/);
        });

        it("reports an image unknown at preview as advisory, to be checked at up", async () => {
            const reported = await runResourcePolicy(policy, withImage(UNKNOWN_STRING));
            assert.equal(mandatory(reported).length, 0);
            assert.equal(advisory(reported).length, 1);
            assert.match(advisory(reported)[0].message, /checked when `pulumi up` runs/);
        });

        it("still checks the known containers when one container list is unknown", async () => {
            const f = clone(load("deployment-init-container-tag"));
            podSpecOf(f).containers = UNKNOWN_ARRAY;
            const reported = await runResourcePolicy(policy, f);
            assert.equal(mandatory(reported).length, 1, "the tagged init container is still reported");
            assert.equal(advisory(reported).length, 1);
        });
    });

    describe("AWS", () => {
        it("reads container images out of an ECS containerDefinitions JSON string", async () => {
            const reported = mandatory(await runResourcePolicy(policy, load("ecs-task-definition-tag")));
            assert.equal(reported.length, 1);
            assert.match(reported[0].message, /^containerDefinitions\[0\]\.image of api/);
            assert.match(reported[0].message, /api:v42/);
        });

        it("reports a containerDefinitions that is not JSON without quoting it", async () => {
            const [finding] = mandatory(await runResourcePolicy(policy, load("ecs-task-definition-not-json")));
            assert.match(finding.message, /^containerDefinitions of api .*not valid JSON/);
            assert.doesNotMatch(finding.message, /hunter2/);
        });

        it("reports an ECS containerDefinitions unknown at preview as advisory", async () => {
            const f = clone(load("ecs-task-definition-tag"));
            f.props.containerDefinitions = UNKNOWN_STRING;
            const reported = await runResourcePolicy(policy, f);
            assert.deepEqual(reported.map((r) => r.level), ["advisory"]);
        });

        it("rejects a Lambda image function whose imageUri is tagged", async () => {
            const [finding] = mandatory(await runResourcePolicy(policy, load("lambda-image-tag")));
            assert.match(finding.message, /^imageUri of resize .*tag "prod" only, .*pin its digest: `imageUri: "[^"]+:prod@sha256:<digest>"`/);
        });

        it("leaves zip-packaged Lambda functions alone", async () => {
            assert.deepEqual(await runResourcePolicy(policy, load("lambda-zip")), []);
        });

        it("rejects a Lambda with packageType Image but no imageUri", async () => {
            const f = clone(load("lambda-image-tag"));
            delete f.props.imageUri;
            const [finding] = mandatory(await runResourcePolicy(policy, f));
            assert.match(finding.message, /^imageUri of resize .*the image is not set/);
        });

        it("reads a Batch job definition's containerProperties JSON", async () => {
            const [finding] = mandatory(await runResourcePolicy(policy, load("batch-job-definition-tag")));
            assert.match(finding.message, /^containerProperties\.image of etl .*"acme\/etl:2024\.05"/);
        });

        it("reads an App Runner service's image identifier", async () => {
            const [finding] = mandatory(await runResourcePolicy(policy, load("apprunner-service-tag")));
            assert.match(finding.message, /^sourceConfiguration\.imageRepository\.imageIdentifier of web/);
        });

        it("passes a SageMaker model pinned by digest", async () => {
            assert.deepEqual(await runResourcePolicy(policy, load("sagemaker-model-pinned")), []);
        });
    });

    describe("allowedRegistries", () => {
        it("rejects a pinned image from a registry outside the list", async () => {
            const config = { allowedRegistries: ["123456789012.dkr.ecr.eu-west-1.amazonaws.com"] };
            const finding = theOnly(mandatory(await runResourcePolicy(policy, load("deployment-pinned"), config)));
            assert.match(finding.message, /containers\[0\]\.image .*outside the allowed registries/);
        });

        it("matches Docker Hub short names against their canonical registry", async () => {
            const f = clone(load("deployment-pinned"));
            podSpecOf(f).initContainers = [];
            firstContainer(f).image = `nginx@sha256:${DIGEST}`;
            assert.deepEqual(await runResourcePolicy(policy, f, { allowedRegistries: ["docker.io/library"] }), []);
        });

        it("does not let a prefix match a longer host name", async () => {
            const f = clone(load("deployment-pinned"));
            podSpecOf(f).initContainers = [];
            firstContainer(f).image = `ghcr.io.evil.example/acme/app@sha256:${DIGEST}`;
            assert.equal(mandatory(await runResourcePolicy(policy, f, { allowedRegistries: ["ghcr.io"] })).length, 1);
        });

        it("fails closed on a malformed allowedRegistries", async () => {
            const [finding] = mandatory(await runResourcePolicy(policy, load("deployment-pinned"), { allowedRegistries: "ghcr.io" }));
            assert.match(finding.message, /policy config is invalid \(allowedRegistries must be a list/);
        });
    });
});
