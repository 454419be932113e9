import * as aws from "@pulumi/aws";

// Each resource below breaks one immutable-guard policy on purpose; README.md lists what the
// dry run reports. Everything else in the stack is written the compliant way.

// container-image-digest-required: images named by tag, which can be moved to other content.
const thumbnailerRole = new aws.iam.Role("thumbnailer", {
    assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
    }),
});
new aws.lambda.Function("thumbnailer", {
    packageType: "Image",
    imageUri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/thumbnailer:v1.4.2",
    role: thumbnailerRole.arn,
});
new aws.ecs.TaskDefinition("web", {
    family: "acme-web",
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    cpu: "256",
    memory: "512",
    containerDefinitions: JSON.stringify([{ name: "web", image: "nginx:1.27", essential: true }]),
});

// ecr-image-tags-immutable: a pushed tag can be overwritten with another image.
new aws.ecr.Repository("legacy-images", {
    name: "acme/legacy",
    imageTagMutability: "MUTABLE",
});

// iam-no-wildcard-grants: every action on every resource, and a role anyone may assume.
new aws.iam.Policy("ops-admin", {
    policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
    }),
});
new aws.iam.Role("ci-deployer", {
    assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }],
    }),
});

// storage-object-lock-required-stack: a bucket with no object lock and no retention anywhere in the stack.
new aws.s3.Bucket("scratch-data", {});

// storage-object-lock-required: the bucket is locked, but versioning, which object lock needs, is suspended.
const reports = new aws.s3.Bucket("reports", { objectLockEnabled: true });
new aws.s3.BucketVersioning("reports", {
    bucket: reports.id,
    versioningConfiguration: { status: "Suspended" },
});
new aws.s3.BucketObjectLockConfiguration("reports", {
    bucket: reports.id,
    rule: { defaultRetention: { mode: "COMPLIANCE", days: 365 } },
});

// vault-lock-required: a vault flagged immutable, with no vault lock in the stack.
new aws.backup.Vault("legal-hold", {
    name: "acme-legal-hold",
    tags: { immutable: "true" },
});

// immutable-no-in-place-update: a flagged resource that tells Pulumi to ignore changes.
new aws.ecr.Repository("release-images", {
    name: "acme/release",
    imageTagMutability: "IMMUTABLE",
    imageScanningConfiguration: { scanOnPush: true },
    tags: { immutable: "true" },
}, { ignoreChanges: ["imageScanningConfiguration"] });
