import * as aws from "@pulumi/aws";

// The tag flags the bucket immutable. policy-config.json holds the lock made from this stack
// (`immutable-guard lock stack-export.json --out policy-config.json`) when forceDestroy was false.
const auditLogs = new aws.s3.Bucket("audit-logs", {
    bucket: "acme-audit-logs-dev",
    objectLockEnabled: true,
    // Changed since the lock was made: an in-place update of an immutable bucket, which the pack blocks.
    // To really change it, create a new bucket under a new logical name instead.
    forceDestroy: true,
    tags: { immutable: "true", team: "security" },
});

new aws.s3.BucketVersioning("audit-logs", {
    bucket: auditLogs.bucket,
    versioningConfiguration: { status: "Enabled" },
});

new aws.s3.BucketObjectLockConfiguration("audit-logs", {
    bucket: auditLogs.bucket,
    rule: { defaultRetention: { mode: "COMPLIANCE", days: 365 } },
});

export const auditBucket = auditLogs.bucket;
