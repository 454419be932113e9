import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

// Images are built and scanned in CI, which records each digest here; a tag could later point
// at different content, a digest cannot.
const INGEST_IMAGE = "acme/ingest@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945";
const WORKER_IMAGE = "acme/worker:2.7.1@sha256:9c0a8b7e6d5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b";

const caller = aws.getCallerIdentityOutput();
const region = aws.getRegionOutput();
const registry = pulumi.interpolate`${caller.accountId}.dkr.ecr.${region.region}.amazonaws.com`;

// The registry the images come from: a pushed tag can never be moved to another image.
export const repository = new aws.ecr.Repository("app-images", {
    name: "acme/app",
    imageTagMutability: "IMMUTABLE",
    imageScanningConfiguration: { scanOnPush: true },
});

// Audit records are written once and kept for a year in compliance mode: nobody, root included,
// can delete or overwrite them before then. Flagged immutable, so it is replaced, never patched.
const auditLogs = new aws.s3.Bucket("audit-logs", {
    bucket: pulumi.interpolate`acme-audit-logs-${caller.accountId}`,
    objectLockEnabled: true,
    tags: { immutable: "true", team: "security" },
});
new aws.s3.BucketVersioning("audit-logs", {
    bucket: auditLogs.id,
    versioningConfiguration: { status: "Enabled" },
});
new aws.s3.BucketObjectLockConfiguration("audit-logs", {
    bucket: auditLogs.id,
    rule: { defaultRetention: { mode: "COMPLIANCE", days: 365 } },
});

// Backups cannot be deleted before 7 days, and the lock itself becomes unchangeable after 3 days.
const backups = new aws.backup.Vault("backups", {
    name: "acme-backups",
    tags: { immutable: "true" },
});
new aws.backup.VaultLockConfiguration("backups", {
    backupVaultName: backups.name,
    minRetentionDays: 7,
    maxRetentionDays: 365,
    changeableForDays: 3,
});

// The ingest function may append audit records, and nothing else.
const lambdaTrust = aws.iam.getPolicyDocumentOutput({
    statements: [{
        actions: ["sts:AssumeRole"],
        principals: [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }],
    }],
});
const ingestRole = new aws.iam.Role("ingest", { assumeRolePolicy: lambdaTrust.json });
const appendAuditRecords = new aws.iam.Policy("ingest-append-audit-records", {
    description: "Write new audit records; existing ones are protected by object lock.",
    policy: {
        Version: "2012-10-17",
        Statement: [{
            Sid: "AppendAuditRecords",
            Effect: "Allow",
            Action: ["s3:PutObject"],
            Resource: [pulumi.interpolate`arn:aws:s3:::${auditLogs.bucket}/records/*`],
        }],
    },
});
new aws.iam.RolePolicyAttachment("ingest-append-audit-records", { role: ingestRole.name, policyArn: appendAuditRecords.arn });
new aws.iam.RolePolicyAttachment("ingest-logs", { role: ingestRole.name, policyArn: aws.iam.ManagedPolicy.AWSLambdaBasicExecutionRole });

export const ingest = new aws.lambda.Function("ingest", {
    packageType: "Image",
    imageUri: pulumi.interpolate`${registry}/${INGEST_IMAGE}`,
    role: ingestRole.arn,
    architectures: ["arm64"],
    timeout: 30,
    environment: { variables: { AUDIT_BUCKET: auditLogs.bucket } },
});

// The worker runs on Fargate from a digest-pinned image.
const workerExecution = new aws.iam.Role("worker-execution", {
    assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
    }),
});
new aws.iam.RolePolicyAttachment("worker-execution", {
    role: workerExecution.name,
    policyArn: aws.iam.ManagedPolicy.AmazonECSTaskExecutionRolePolicy,
});
export const worker = new aws.ecs.TaskDefinition("worker", {
    family: "acme-worker",
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    cpu: "256",
    memory: "512",
    executionRoleArn: workerExecution.arn,
    containerDefinitions: pulumi.jsonStringify([{
        name: "worker",
        image: pulumi.interpolate`${registry}/${WORKER_IMAGE}`,
        essential: true,
        environment: [{ name: "QUEUE", value: "acme-jobs" }],
    }]),
});
