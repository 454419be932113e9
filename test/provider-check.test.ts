/**
 * The dry run's imitation of the providers' Check (cli/dry-run/provider-check.ts). What the real engine
 * records with them is shown by e2e/dry-run-lock.e2e.ts; these are the rules one by one.
 */
import { strict as assert } from "assert";
import { SECRET_SIGNATURE, secret } from "../cli/analyzer-client";
import { checkedInputs, registrationState } from "../cli/dry-run/provider-check";
import { UNKNOWN_STRING } from "../rules/lib/unknowns";

const BUCKET = "urn:pulumi:dev::shop::aws:s3/bucket:Bucket::audit-logs";
const ROLE = "urn:pulumi:dev::shop::aws:iam/role:Role::ingest";
const SECRET = "urn:pulumi:dev::shop::kubernetes:core/v1:Secret::gateway";
const CONFIG_MAP = "urn:pulumi:dev::shop::kubernetes:core/v1:ConfigMap::settings";
const AWS_V7 = { region: "eu-west-1", version: "7.48.0" };

describe("the dry run's imitation of the providers' Check", () => {
    it("auto-names a bucket as pulumi-aws does, the same name on every run", () => {
        const first = checkedInputs("aws:s3/bucket:Bucket", BUCKET, {}, AWS_V7, "7.48.0");
        assert.match(String(first.bucket), /^audit-logs-[0-9a-f]{7}$/);
        assert.equal(checkedInputs("aws:s3/bucket:Bucket", BUCKET, {}, AWS_V7, "7.48.0").bucket, first.bucket);
        assert.equal(checkedInputs("aws:s3/bucket:Bucket", BUCKET, { bucketPrefix: "logs-" }, AWS_V7, "7.48.0").bucket, undefined);
    });

    it("merges the provider's default tags into tagsAll, the resource's tags winning", () => {
        const provider = { ...AWS_V7, defaultTags: JSON.stringify({ tags: { owner: "platform", team: "shared" } }) };
        const checked = checkedInputs("aws:s3/bucket:Bucket", BUCKET, { tags: { team: "security" } }, provider, "7.48.0");
        assert.deepEqual(checked.tagsAll, { owner: "platform", team: "security" });
    });

    it("keeps tagsAll unknown while the tags are", () => {
        assert.equal(checkedInputs("aws:s3/bucket:Bucket", BUCKET, { tags: UNKNOWN_STRING }, AWS_V7, "7.48.0").tagsAll, UNKNOWN_STRING);
    });

    it("adds the region to regional resources from @pulumi/aws 7 on, never to IAM", () => {
        assert.equal(checkedInputs("aws:s3/bucket:Bucket", BUCKET, {}, AWS_V7, "7.48.0").region, "eu-west-1");
        assert.equal(checkedInputs("aws:s3/bucket:Bucket", BUCKET, {}, { region: "eu-west-1", version: "6.83.0" }, "6.83.0").region, undefined);
        assert.equal(checkedInputs("aws:iam/role:Role", ROLE, {}, AWS_V7, "7.48.0").region, undefined);
    });

    it("fills Terraform defaults that are not falsy and stores a policy document object as JSON with sorted keys", () => {
        const checked = checkedInputs("aws:iam/role:Role", ROLE, { assumeRolePolicy: { Version: "2012-10-17", Statement: [] } }, AWS_V7, "7.48.0");
        assert.equal(checked.path, "/");
        assert.equal(checked.maxSessionDuration, 3600);
        assert.equal(checked.assumeRolePolicy, '{"Statement":[],"Version":"2012-10-17"}');
    });

    it("stores a Secret's stringData base64-encoded in data, secret, as the Kubernetes provider does", () => {
        const inputs = { apiVersion: "v1", kind: "Secret", metadata: { name: "gateway" }, stringData: secret({ apiKey: "FAKE-key" }) };
        const checked = checkedInputs("kubernetes:core/v1:Secret", SECRET, inputs, {}, "4.34.2");
        assert.equal(checked.stringData, undefined);
        const data = checked.data as Record<string, unknown>;
        assert.ok(SECRET_SIGNATURE in data, "data stays secret");
        assert.deepEqual(data.value, { apiKey: Buffer.from("FAKE-key").toString("base64") });
    });

    it("auto-names a Kubernetes object with the autonamed annotation and puts it in the provider's namespace", () => {
        const checked = checkedInputs("kubernetes:core/v1:ConfigMap", CONFIG_MAP, { kind: "ConfigMap", data: {} }, { namespace: "storefront" }, "4.34.2");
        const metadata = checked.metadata as Record<string, unknown>;
        assert.match(String(metadata.name), /^settings-[0-9a-f]{8}$/);
        assert.deepEqual(metadata.annotations, { "pulumi.com/autonamed": "true" });
        assert.equal(metadata.namespace, "storefront");
    });

    it("answers a registration of an unnamed Kubernetes object with its name unknown, and leaves components alone", () => {
        const state = registrationState("kubernetes:core/v1:ConfigMap", true, { kind: "ConfigMap", metadata: { labels: { app: "shop" } } });
        assert.deepEqual(state.metadata, { labels: { app: "shop" }, name: UNKNOWN_STRING });
        const named = { kind: "ConfigMap", metadata: { name: "settings" } };
        assert.deepEqual(registrationState("kubernetes:core/v1:ConfigMap", true, named), named);
        const component = { files: ["app.yaml"] };
        assert.deepEqual(registrationState("kubernetes:yaml:ConfigFile", false, component), component);
    });
});
