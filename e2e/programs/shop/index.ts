import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

// How e2e/regenerate-fixtures.ts moves this stack, one `variant` at a time:
//   unlocked   the audit bucket created without object lock (the first deployment)
//   base       object lock turned on, which replaces the bucket (the state the exports record)
//   retag      the bucket's env tag changed and an owner tag added: an in-place update
//   replace    the same change, made a replacement with replaceOnChanges
//   unflag     the bucket's immutable tag removed: an in-place update
//   role       the unflagged role's team tag changed: an in-place update
const config = new pulumi.Config();
const variant = config.get("variant") ?? "base";
const retagged = variant === "retag" || variant === "replace";

class AuditArchive extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;

    constructor(name: string, args: { retentionDays: number }, opts?: pulumi.ComponentResourceOptions) {
        super("acme:storage:AuditArchive", name, args, opts);
        const flag: Record<string, string> = variant === "unflag" ? {} : { immutable: "true" };
        this.bucket = new aws.s3.Bucket(
            "audit-logs",
            {
                objectLockEnabled: variant !== "unlocked",
                tags: { env: retagged ? "production" : "prod", ...flag, team: "security", ...(retagged ? { owner: "security" } : {}) },
            },
            { parent: this, ...(variant === "replace" ? { replaceOnChanges: ["tags"] } : {}) },
        );
        new aws.s3.BucketObjectLockConfiguration(
            "audit-logs-lock",
            { bucket: this.bucket.bucket, rule: { defaultRetention: { mode: "COMPLIANCE", days: args.retentionDays } } },
            { parent: this },
        );
        this.registerOutputs({ bucket: this.bucket.bucket });
    }
}

const audit = new AuditArchive("audit", { retentionDays: 365 });

const role = new aws.iam.Role("app-role", {
    assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
    }),
    tags: { team: variant === "role" ? "platform" : "payments" },
});

new aws.rds.Instance("orders-db", {
    allocatedStorage: 20,
    dbName: "orders",
    engine: "postgres",
    engineVersion: "16.3",
    instanceClass: "db.t4g.micro",
    username: "orders",
    // A fake value: the fixtures hold it in plaintext where the export shows secrets.
    password: config.requireSecret("dbPassword"),
    storageEncrypted: true,
    skipFinalSnapshot: false,
    vpcSecurityGroupIds: ["sg-0a1b2c3d4e5f60718"],
    tags: { env: "prod", immutable: "true" },
});

new aws.lambda.Function("resize", {
    architectures: ["arm64"],
    code: new pulumi.asset.FileArchive("./resize"),
    handler: "index.handler",
    runtime: "nodejs20.x",
    memorySize: 512,
    timeout: 30,
    role: role.arn,
    environment: { variables: { MAX_WIDTH: "2048", SIGNING_KEY: pulumi.secret("FAKE-signing-key-not-a-real-secret") } },
    tags: { immutable: "true" },
});

// Read, not managed: a resource the stack only looks up, tagged immutable all the same.
aws.ec2.Vpc.get("default-vpc", "vpc-0f1e2d3c4b5a69788", { cidrBlock: "172.31.0.0/16", tags: { immutable: "true" } });

export const auditBucket = audit.bucket.bucket;
