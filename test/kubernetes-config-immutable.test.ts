import { strict as assert } from "assert";
import { kubernetesConfigImmutable as policy } from "../rules/kubernetes-config-immutable";
import { setPackFlagRules } from "../rules/lib/flagging";
import { UNKNOWN_BOOLEAN, UNKNOWN_OBJECT, UNKNOWN_STRING } from "../rules/lib/unknowns";
import { clone, fixture } from "./lib/fixtures";
import { advisory, mandatory, runResourcePolicy, theOnly } from "./lib/harness";

const load = (name: string) => fixture("kubernetes-config-immutable", name);
const SECRET_DATA = /s3cr3t-pw-7781|new-cart=on|pay\.internal/;

describe("kubernetes-config-immutable", () => {
    afterEach(() => setPackFlagRules(undefined));

    it("passes a flagged ConfigMap with immutable: true under a provider that replaces on change", async () => {
        assert.deepEqual(await runResourcePolicy(policy, load("configmap-flagged-immutable")), []);
    });

    it("rejects a flagged Secret that is not immutable and whose provider enables mutable Secrets", async () => {
        const reported = mandatory(await runResourcePolicy(policy, load("secret-flagged-mutable")));
        assert.equal(reported.length, 2);
        assert.match(reported[0].message, /^immutable of db-credentials \(kubernetes:core\/v1:Secret\): is not set, so the cluster lets the Secret's data be changed in place/);
        assert.match(reported[0].message, /set `immutable: true`/);
        assert.match(reported[1].message, /^provider of db-credentials \(kubernetes:core\/v1:Secret\): is prod-cluster, which sets enableSecretMutable: true, so a change to this Secret is applied in place/);
        assert.match(reported[1].message, /PULUMI_K8S_ENABLE_SECRET_MUTABLE/);
    });

    it("never quotes the data of a ConfigMap or Secret", async () => {
        const secret = clone(load("secret-flagged-mutable"));
        secret.props.immutable = "s3cr3t-pw-7781";
        const reported = await runResourcePolicy(policy, secret);
        assert.equal(reported.length, 2);
        assert.match(reported[0].message, /is a string, not true/);
        for (const r of reported) {
            assert.doesNotMatch(r.message, SECRET_DATA);
        }
    });

    it("rejects immutable: false", async () => {
        const f = clone(load("configmap-flagged-immutable"));
        f.props.immutable = false;
        const [finding] = mandatory(await runResourcePolicy(policy, f));
        assert.match(finding.message, /^immutable of checkout-config .*is false/);
    });

    it("rejects a provider with enableConfigMapMutable set as a boolean in stack config", async () => {
        const f = clone(load("configmap-flagged-immutable"));
        f.provider = { type: "pulumi:providers:kubernetes", name: "default_4_34_2", props: { enableConfigMapMutable: true } };
        const finding = theOnly(mandatory(await runResourcePolicy(policy, f)));
        assert.match(finding.message, /^provider of checkout-config .*is default_4_34_2, which sets enableConfigMapMutable: true/);
    });

    it("lets a ConfigMap's provider enable mutable Secrets, which does not concern it", async () => {
        const f = clone(load("configmap-flagged-immutable"));
        f.provider = { type: "pulumi:providers:kubernetes", name: "k8s", props: { enableSecretMutable: "true", enableConfigMapMutable: "false" } };
        assert.deepEqual(await runResourcePolicy(policy, f), []);
    });

    it("checks a flagged ConfigMapPatch like a ConfigMap", async () => {
        const f = { ...clone(load("configmap-flagged-immutable")), type: "kubernetes:core/v1:ConfigMapPatch" };
        delete f.props.immutable;
        assert.equal(mandatory(await runResourcePolicy(policy, f)).length, 1);
    });

    it("leaves a ConfigMap that is not flagged alone", async () => {
        const f = clone(load("secret-flagged-mutable"));
        (f.props.metadata as { labels: Record<string, string> }).labels = { app: "checkout" };
        assert.deepEqual(await runResourcePolicy(policy, f), []);
    });

    it("judges a Secret flagged by its type in the flag rules", async () => {
        setPackFlagRules({ types: ["kubernetes:core/v1:Secret"] });
        const f = clone(load("secret-flagged-mutable"));
        (f.props.metadata as { labels: Record<string, string> }).labels = {};
        assert.equal(mandatory(await runResourcePolicy(policy, f)).length, 2);
    });

    it("makes its findings advisory while the labels are unknown at preview", async () => {
        const f = clone(load("secret-flagged-mutable"));
        (f.props.metadata as { labels: unknown }).labels = UNKNOWN_OBJECT;
        const reported = await runResourcePolicy(policy, f);
        assert.deepEqual(reported.map((r) => r.level), ["advisory", "advisory"]);
        assert.match(reported[0].message, /flagged immutable, which depends on its metadata\.labels/);
    });

    it("reports immutable and the provider switch unknown at preview as advisory", async () => {
        const f = clone(load("secret-flagged-mutable"));
        f.props.immutable = UNKNOWN_BOOLEAN;
        f.provider!.props.enableSecretMutable = UNKNOWN_STRING;
        const reported = await runResourcePolicy(policy, f);
        assert.equal(mandatory(reported).length, 0);
        assert.equal(advisory(reported).length, 2);
        assert.match(advisory(reported)[1].message, /^provider of db-credentials .*whether provider prod-cluster sets enableSecretMutable is checked/);
    });

    it("ignores other Kubernetes kinds", async () => {
        const f = { ...clone(load("configmap-flagged-immutable")), type: "kubernetes:apps/v1:Deployment" };
        delete f.props.immutable;
        assert.deepEqual(await runResourcePolicy(policy, f), []);
    });
});
