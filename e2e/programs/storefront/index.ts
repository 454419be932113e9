import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

// How e2e/regenerate-fixtures.ts moves this stack, one `variant` at a time:
//   base       the state the exports record
//   rollout    the Deployment scaled and given a new image in place, and a migration Job added
//   settings   new data in the immutable ConfigMap, which Kubernetes replaces
const config = new pulumi.Config();
const variant = config.get("variant") ?? "base";
const digest = (hex: string) => `ghcr.io/acme/checkout:1.4.2@sha256:${hex.repeat(32)}`;
const image = variant === "rollout" ? digest("7c") : digest("3a");

// A fake cluster: the provider never reaches it. Client-side apply, so objects carry the managed-by label.
const cluster = new k8s.Provider("prod-cluster", {
    kubeconfig: "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n",
    namespace: "storefront",
    enableServerSideApply: false,
});

new k8s.core.v1.Namespace("storefront", { metadata: { name: "storefront" } }, { provider: cluster });

class WebService extends pulumi.ComponentResource {
    constructor(name: string, args: { image: string; replicas: number }, opts?: pulumi.ComponentResourceOptions) {
        super("acme:k8s:WebService", name, args, opts);
        const labels = { app: name, immutable: "true" };
        new k8s.apps.v1.Deployment(
            name,
            {
                metadata: { labels },
                spec: {
                    replicas: args.replicas,
                    selector: { matchLabels: { app: name } },
                    template: {
                        metadata: { labels: { app: name } },
                        spec: {
                            containers: [{
                                name,
                                image: args.image,
                                ports: [{ containerPort: 8080 }],
                                resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } },
                            }],
                        },
                    },
                },
            },
            { parent: this },
        );
        new k8s.core.v1.Secret(
            `${name}-db`,
            {
                metadata: { labels },
                immutable: true,
                type: "Opaque",
                // Fake values: the fixtures hold them in plaintext where the export shows secrets.
                stringData: { username: name, password: pulumi.secret("FAKE-db-password-not-a-real-secret") },
            },
            { parent: this },
        );
        new k8s.core.v1.ConfigMap(
            `${name}-config`,
            { metadata: { labels }, immutable: true, data: { CURRENCY: variant === "settings" ? "USD" : "EUR" } },
            { parent: this },
        );
        new k8s.core.v1.Service(
            name,
            { metadata: { labels: { app: name } }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] } },
            { parent: this },
        );
        this.registerOutputs({});
    }
}

new WebService("checkout", { image, replicas: variant === "rollout" ? 4 : 2 }, { providers: { kubernetes: cluster } });

if (variant === "rollout") {
    new k8s.batch.v1.Job(
        "migrate",
        {
            metadata: { labels: { app: "checkout" } },
            spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "migrate", image: digest("7c"), args: ["migrate"] }] } } },
        },
        { provider: cluster },
    );
}
