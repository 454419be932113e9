import * as k8s from "@pulumi/kubernetes";

// Each resource below breaks one immutable-guard policy on purpose; README.md lists what the
// dry run reports.

const PINNED_LEDGER_IMAGE = "ghcr.io/acme/ledger:5.0.1@sha256:5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b";

// container-image-digest-required: a tag, and no tag at all (whatever `latest` is at pull time).
new k8s.apps.v1.Deployment("frontend", {
    spec: {
        selector: { matchLabels: { app: "frontend" } },
        template: {
            metadata: { labels: { app: "frontend" } },
            spec: { containers: [{ name: "nginx", image: "nginx:1.27" }] },
        },
    },
});
new k8s.batch.v1.CronJob("cleanup", {
    spec: {
        schedule: "*/30 * * * *",
        jobTemplate: {
            spec: {
                template: {
                    spec: { restartPolicy: "Never", containers: [{ name: "cleanup", image: "busybox", args: ["sh", "-c", "rm -rf /scratch/*"] }] },
                },
            },
        },
    },
});

// iam-no-wildcard-grants: every verb on every resource of every API group.
new k8s.rbac.v1.ClusterRole("ops-superuser", {
    rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }],
});

// kubernetes-config-immutable: flagged, but its data can still be changed in place. The value is
// made up, here to show that ConfigMap data never appears in policy output.
new k8s.core.v1.ConfigMap("feature-flags", {
    metadata: { labels: { immutable: "true" } },
    data: { LICENSE_KEY: "FAKE-license-7d3e0a91-do-not-print", NEW_CHECKOUT: "on" },
});

// kubernetes-config-immutable: the same for a Secret; the token is made up.
new k8s.core.v1.Secret("webhook-token", {
    metadata: { labels: { immutable: "true" } },
    stringData: { token: "FAKE-webhook-token-0b5c2e77-not-a-real-secret" },
});

// kubernetes-config-immutable: marked immutable, but managed by a provider that turns
// ConfigMap replacement into in-place updates.
const legacyCluster = new k8s.Provider("legacy-cluster", { enableConfigMapMutable: true });
new k8s.core.v1.ConfigMap("payment-routing", {
    metadata: { labels: { immutable: "true" } },
    immutable: true,
    data: { PRIMARY: "adyen", FALLBACK: "stripe" },
}, { provider: legacyCluster });

// immutable-no-in-place-update: a flagged Deployment whose replica count Pulumi is told to ignore.
new k8s.apps.v1.Deployment("ledger", {
    metadata: { labels: { immutable: "true" } },
    spec: {
        replicas: 3,
        selector: { matchLabels: { app: "ledger" } },
        template: {
            metadata: { labels: { app: "ledger" } },
            spec: { containers: [{ name: "ledger", image: PINNED_LEDGER_IMAGE }] },
        },
    },
}, { ignoreChanges: ["spec.replicas"] });
