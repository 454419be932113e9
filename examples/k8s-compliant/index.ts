import * as k8s from "@pulumi/kubernetes";

// Digests recorded by CI when the images were built and scanned.
const CHECKOUT_IMAGE = "ghcr.io/acme/checkout:3.2.0@sha256:1d8c0e56a6a8f3d3e0f3a0bbf4f0d1e2c3b4a5968778695a4b3c2d1e0f9a8b7c";
const MIGRATE_IMAGE = "ghcr.io/acme/checkout-migrate@sha256:7e2f0c4d1b3a59687f8e9d0c1b2a3948576a6b5c4d3e2f1a0b9c8d7e6f5a4b3c";
const REPORTER_IMAGE = "ghcr.io/acme/reporter:1.0.4@sha256:0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c";

const namespace = new k8s.core.v1.Namespace("shop", { metadata: { name: "shop" } });
const ns = namespace.metadata.name;

// Settings are immutable: a change creates a ConfigMap with a new generated name and rolls the
// Deployment, instead of changing what running pods read underneath them.
const settings = new k8s.core.v1.ConfigMap("checkout-settings", {
    metadata: { namespace: ns, labels: { immutable: "true" } },
    immutable: true,
    data: { CURRENCY: "EUR", CHECKOUT_TIMEOUT_SECONDS: "30" },
});

// A made-up key, here to show that secret values never appear in policy output.
const gatewayKey = new k8s.core.v1.Secret("payment-gateway", {
    metadata: { namespace: ns, labels: { immutable: "true" } },
    immutable: true,
    type: "Opaque",
    stringData: { apiKey: "FAKE-gateway-key-4c1f9e2b-not-a-real-secret" },
});

// The app may read its own settings, by name, and nothing else.
const account = new k8s.core.v1.ServiceAccount("checkout", { metadata: { namespace: ns } });
const reader = new k8s.rbac.v1.Role("checkout-config-reader", {
    metadata: { namespace: ns },
    rules: [{
        apiGroups: [""],
        resources: ["configmaps"],
        resourceNames: [settings.metadata.name],
        verbs: ["get", "watch"],
    }],
});
new k8s.rbac.v1.RoleBinding("checkout-config-reader", {
    metadata: { namespace: ns },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: reader.metadata.name },
    subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: ns }],
});

const labels = { app: "checkout" };
export const checkout = new k8s.apps.v1.Deployment("checkout", {
    metadata: { namespace: ns },
    spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
            metadata: { labels },
            spec: {
                serviceAccountName: account.metadata.name,
                initContainers: [{ name: "migrate", image: MIGRATE_IMAGE }],
                containers: [{
                    name: "checkout",
                    image: CHECKOUT_IMAGE,
                    ports: [{ containerPort: 8080 }],
                    envFrom: [{ configMapRef: { name: settings.metadata.name } }],
                    env: [{ name: "GATEWAY_KEY", valueFrom: { secretKeyRef: { name: gatewayKey.metadata.name, key: "apiKey" } } }],
                }],
            },
        },
    },
});

export const nightlyReport = new k8s.batch.v1.CronJob("nightly-report", {
    metadata: { namespace: ns },
    spec: {
        schedule: "0 2 * * *",
        jobTemplate: {
            spec: {
                template: {
                    spec: {
                        restartPolicy: "OnFailure",
                        containers: [{ name: "report", image: REPORTER_IMAGE, args: ["--since", "24h"] }],
                    },
                },
            },
        },
    },
});
