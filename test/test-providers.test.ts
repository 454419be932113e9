/**
 * The end-to-end suite's test providers (e2e/providers), called directly: the rules they copy from the
 * real providers, which e2e/providers.e2e.ts then shows under the real CLI.
 */
import * as assert from "assert";
import { AwsStandIn } from "../e2e/providers/aws";
import { KubernetesStandIn } from "../e2e/providers/kubernetes";
import { Properties, UNKNOWN, isSecret, secret } from "../e2e/providers/lib/values";

const BUCKET_URN = "urn:pulumi:dev::shop::aws:s3/bucket:Bucket::audit-logs";
const ROLE_URN = "urn:pulumi:dev::shop::aws:iam/role:Role::ingest";
const CONFIG_MAP_URN = "urn:pulumi:dev::shop::kubernetes:core/v1:ConfigMap::settings";
const DEPLOYMENT_URN = "urn:pulumi:dev::shop::kubernetes:apps/v1:Deployment::checkout";

function aws(): AwsStandIn {
    const provider = new AwsStandIn("7.48.0");
    provider.configure({ region: "eu-west-1", defaultTags: { tags: { owner: "platform" } } });
    return provider;
}

function kubernetes(config: Properties = {}): KubernetesStandIn {
    const provider = new KubernetesStandIn("4.34.2");
    provider.configure(config);
    return provider;
}

const configMap = (data: Properties, extra: Properties = {}): Properties => ({ apiVersion: "v1", kind: "ConfigMap", metadata: {}, data, ...extra });

describe("aws test provider", () => {
    it("auto-names a bucket and reuses the name only while it is one it filled in", () => {
        const provider = aws();
        const first = provider.check(BUCKET_URN, {}, { tags: { team: "a" } });
        assert.match(String(first.bucket), /^audit-logs-[0-9a-f]{7}$/);
        assert.deepStrictEqual(first.__defaults, ["bucket"]);
        assert.strictEqual(provider.check(BUCKET_URN, first, {}).bucket, first.bucket);
        const named = { ...first, bucket: "acme-audit", __defaults: [] };
        assert.notStrictEqual(provider.check(BUCKET_URN, named, {}).bucket, "acme-audit");
    });

    it("merges default tags into tagsAll, and leaves tagsAll unknown while tags are", () => {
        const provider = aws();
        assert.deepStrictEqual(provider.check(BUCKET_URN, {}, { tags: { team: "a" } }).tagsAll, { owner: "platform", team: "a" });
        assert.strictEqual(provider.check(BUCKET_URN, {}, { tags: { team: UNKNOWN } }).tagsAll, UNKNOWN);
    });

    it("turns a policy document object into JSON with sorted keys, unknown while any part is", () => {
        const provider = aws();
        const document = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "ecs-tasks.amazonaws.com" } }] };
        assert.strictEqual(
            provider.check(ROLE_URN, {}, { assumeRolePolicy: document }).assumeRolePolicy,
            '{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"}}],"Version":"2012-10-17"}',
        );
        const partly = { ...document, Statement: [{ ...document.Statement[0], Action: UNKNOWN }] };
        assert.strictEqual(provider.check(ROLE_URN, {}, { assumeRolePolicy: partly }).assumeRolePolicy, UNKNOWN);
    });

    it("replaces a bucket for a new name, deleting first only when the name was set, and updates tags in place", () => {
        const provider = aws();
        const auto = provider.check(BUCKET_URN, {}, { tags: { team: "a" } });
        const retagged = provider.diff(BUCKET_URN, auto, auto, provider.check(BUCKET_URN, auto, { tags: { team: "b" } }));
        assert.deepStrictEqual(retagged, {
            changes: true,
            replaces: [],
            detailedDiff: { "tags.team": "update", "tagsAll.team": "update" },
            deleteBeforeReplace: false,
        });
        const locked = provider.diff(BUCKET_URN, auto, auto, provider.check(BUCKET_URN, auto, { tags: { team: "a" }, objectLockEnabled: true }));
        assert.deepStrictEqual([locked.replaces, locked.deleteBeforeReplace], [["objectLockEnabled"], false]);
        const renamed = provider.diff(BUCKET_URN, auto, auto, provider.check(BUCKET_URN, auto, { bucket: "acme-audit", tags: { team: "a" } }));
        assert.deepStrictEqual([renamed.replaces, renamed.deleteBeforeReplace], [["bucket"], true]);
    });

    it("leaves computed outputs unknown at preview and fills them in at up", () => {
        const provider = aws();
        const inputs = provider.check(BUCKET_URN, {}, {});
        const preview = provider.create(BUCKET_URN, inputs, true);
        assert.deepStrictEqual([preview.id, preview.outputs.arn, preview.outputs.bucket, preview.outputs.forceDestroy], ["", UNKNOWN, inputs.bucket, false]);
        const created = provider.create(BUCKET_URN, inputs, false);
        assert.deepStrictEqual([created.id, created.outputs.arn], [inputs.bucket, `arn:aws:s3:::${inputs.bucket}`]);
        assert.ok(!("__defaults" in created.outputs));
    });
});

describe("kubernetes test provider", () => {
    it("auto-names with the autonamed annotation and adopts the old name only if it was auto-named", () => {
        const provider = kubernetes();
        const first = provider.check(CONFIG_MAP_URN, {}, configMap({ A: "1" }));
        const metadata = first.metadata as Properties;
        assert.match(String(metadata.name), /^settings-[0-9a-f]{8}$/);
        assert.deepStrictEqual(metadata.annotations, { "pulumi.com/autonamed": "true" });
        assert.strictEqual((provider.check(CONFIG_MAP_URN, first, configMap({ A: "2" })).metadata as Properties).name, metadata.name);
        const given = configMap({ A: "1" }, { metadata: { name: "settings" } });
        assert.strictEqual((provider.check(CONFIG_MAP_URN, given, configMap({ A: "2" })).metadata as Properties).name, undefined);
    });

    it("stores a Secret's stringData base64-encoded in data, kept secret", () => {
        const inputs = kubernetes().check("urn:pulumi:dev::shop::kubernetes:core/v1:Secret::token", {}, {
            apiVersion: "v1",
            kind: "Secret",
            stringData: secret({ token: "FAKE-token" }),
        });
        assert.ok(!("stringData" in inputs));
        assert.ok(isSecret(inputs.data));
        assert.deepStrictEqual((inputs.data as Properties).value, { token: Buffer.from("FAKE-token").toString("base64") });
    });

    it("puts namespaced objects in the provider's default namespace", () => {
        const inputs = kubernetes({ namespace: "shop" }).check(CONFIG_MAP_URN, {}, configMap({ A: "1" }));
        assert.strictEqual((inputs.metadata as Properties).namespace, "shop");
        const namespace = kubernetes({ namespace: "shop" }).check("urn:pulumi:dev::shop::kubernetes:core/v1:Namespace::ns", {}, { apiVersion: "v1", kind: "Namespace" });
        assert.strictEqual((namespace.metadata as Properties).namespace, undefined);
    });

    it("replaces a ConfigMap for new data unless its provider makes ConfigMaps mutable and it is not immutable", () => {
        const olds = configMap({ A: "1" }, { metadata: { name: "settings" } });
        const news = configMap({ A: "2" }, { metadata: { name: "settings" } });
        assert.deepStrictEqual(kubernetes().diff(CONFIG_MAP_URN, olds, olds, news).replaces, ["data.A"]);
        assert.deepStrictEqual(kubernetes({ enableConfigMapMutable: "true" }).diff(CONFIG_MAP_URN, olds, olds, news).replaces, []);
        const immutable = { ...news, immutable: true };
        assert.deepStrictEqual(kubernetes({ enableConfigMapMutable: "true" }).diff(CONFIG_MAP_URN, olds, olds, immutable).replaces, ["data.A"]);
    });

    it("replaces a Deployment for a new selector, deleting first when it keeps a name it was given", () => {
        const deployment = (app: string, replicas: number): Properties => ({
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "checkout" },
            spec: { replicas, selector: { matchLabels: { app } } },
        });
        const olds = deployment("checkout", 2);
        const live = { ...olds, metadata: { name: "checkout", namespace: "default" } };
        const rescaled = kubernetes().diff(DEPLOYMENT_URN, olds, live, deployment("checkout", 3));
        assert.deepStrictEqual([rescaled.detailedDiff, rescaled.replaces], [{ "spec.replicas": "update" }, []]);
        const reselected = kubernetes().diff(DEPLOYMENT_URN, olds, live, deployment("checkout-v2", 2));
        assert.deepStrictEqual([reselected.replaces, reselected.deleteBeforeReplace], [["spec.selector.matchLabels.app"], true]);
    });

    it("leaves uid and resourceVersion unknown at preview and stores __inputs", () => {
        const provider = kubernetes();
        const inputs = provider.check(CONFIG_MAP_URN, {}, configMap({ A: "1" }));
        const preview = provider.create(CONFIG_MAP_URN, inputs, true);
        const metadata = preview.outputs.metadata as Properties;
        assert.deepStrictEqual([metadata.uid, metadata.resourceVersion, metadata.namespace], [UNKNOWN, UNKNOWN, "default"]);
        assert.deepStrictEqual(preview.outputs.__inputs, inputs);
        const created = provider.create(CONFIG_MAP_URN, inputs, false);
        assert.strictEqual(created.id, `default/${(inputs.metadata as Properties).name}`);
    });
});
