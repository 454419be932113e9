import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

// How the end-to-end suite changes this stack after locking it:
//   base       as locked
//   retag      the evidence bucket's team tag changed in place (blocked)
//   replace    the same change, made a replacement with replaceOnChanges
//   unflag     the evidence bucket's immutable tag removed (blocked)
const variant = new pulumi.Config().get("variant") ?? "base";
const team = variant === "base" || variant === "unflag" ? "security" : "platform";
const flag: Record<string, string> = variant === "unflag" ? {} : { immutable: "true" };

const evidence = new aws.s3.Bucket(
    "evidence",
    { objectLockEnabled: true, tags: { ...flag, team } },
    variant === "replace" ? { replaceOnChanges: ["tags"] } : {},
);

new aws.s3.BucketVersioning("evidence", {
    bucket: evidence.bucket,
    versioningConfiguration: { status: "Enabled" },
});

new aws.s3.BucketObjectLockConfiguration("evidence", {
    bucket: evidence.bucket,
    rule: { defaultRetention: { mode: "COMPLIANCE", days: 365 } },
});

const labels = { app: "ledger", immutable: "true" };

new k8s.core.v1.ConfigMap("ledger-settings", {
    metadata: { labels },
    immutable: true,
    data: { "retention-days": "365" },
});

// The secret input: its value must never reach the CLI's output, the lock or a report.
new k8s.core.v1.Secret("ledger-credentials", {
    metadata: { labels },
    immutable: true,
    stringData: { password: pulumi.secret("e2e-canary-5f0c2a9d41b7") },
});

export const bucketName = evidence.bucket;
