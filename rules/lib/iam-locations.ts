import type { Props } from "./policy";
import { isUnknown } from "./unknowns";

/**
 * Where `@pulumi/aws` 7 resources carry IAM policies, by type token. Adding a resource is one line.
 *
 * - identity: attached to a user, group, role or permission set; `Resource: "*"` there means every
 *   resource of the account.
 * - trust: a role's `assumeRolePolicy`; it says who may become the role.
 * - resource: attached to the resource it governs; `Resource: "*"` there means that resource (KMS
 *   and Secrets Manager document it so), so only who is allowed, and how much, is judged.
 *
 * Deliberately absent: documents that only narrow what other policies grant (permissions
 * boundaries, session policies such as `transfer.User.policy` and `eks.PodIdentityAssociation.policy`,
 * VPC endpoint policies, Organizations SCPs and RCPs), and documents that are not IAM grammar
 * (lifecycle, redrive, data-protection, OpenSearch Serverless and Verified Access policies).
 */
export type PolicyKind = "identity" | "trust" | "resource";

export interface PolicyProperty {
    property: string;
    kind: PolicyKind;
    /** For a list of objects each holding a document under this key (a role's `inlinePolicies[].policy`). */
    itemKey?: string;
}

const identity = (property: string, itemKey?: string): PolicyProperty => ({ property, kind: "identity", itemKey });
const resource = (property: string): PolicyProperty => ({ property, kind: "resource" });

export const POLICY_PROPERTIES: Readonly<Record<string, readonly PolicyProperty[]>> = {
    "aws:iam/policy:Policy": [identity("policy")],
    "aws:iam/rolePolicy:RolePolicy": [identity("policy")],
    "aws:iam/userPolicy:UserPolicy": [identity("policy")],
    "aws:iam/groupPolicy:GroupPolicy": [identity("policy")],
    "aws:iam/role:Role": [{ property: "assumeRolePolicy", kind: "trust" }, identity("inlinePolicies", "policy")],
    "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy": [identity("inlinePolicy")],

    "aws:s3/bucket:Bucket": [resource("policy")],
    "aws:s3/bucketV2:BucketV2": [resource("policy")],
    "aws:s3/bucketPolicy:BucketPolicy": [resource("policy")],
    "aws:s3/accessPoint:AccessPoint": [resource("policy")],
    "aws:s3control/accessPointPolicy:AccessPointPolicy": [resource("policy")],
    "aws:s3control/bucketPolicy:BucketPolicy": [resource("policy")],
    "aws:s3control/objectLambdaAccessPointPolicy:ObjectLambdaAccessPointPolicy": [resource("policy")],
    "aws:s3control/accessGrantsInstanceResourcePolicy:AccessGrantsInstanceResourcePolicy": [resource("policy")],
    "aws:s3/vectorsVectorBucketPolicy:VectorsVectorBucketPolicy": [resource("policy")],
    "aws:s3/filesFileSystemPolicy:FilesFileSystemPolicy": [resource("policy")],
    "aws:s3tables/tableBucketPolicy:TableBucketPolicy": [resource("resourcePolicy")],
    "aws:s3tables/tablePolicy:TablePolicy": [resource("resourcePolicy")],
    "aws:sqs/queue:Queue": [resource("policy")],
    "aws:sqs/queuePolicy:QueuePolicy": [resource("policy")],
    "aws:sns/topic:Topic": [resource("policy")],
    "aws:sns/topicPolicy:TopicPolicy": [resource("policy")],
    "aws:kms/key:Key": [resource("policy")],
    "aws:kms/keyPolicy:KeyPolicy": [resource("policy")],
    "aws:kms/externalKey:ExternalKey": [resource("policy")],
    "aws:kms/replicaKey:ReplicaKey": [resource("policy")],
    "aws:kms/replicaExternalKey:ReplicaExternalKey": [resource("policy")],
    "aws:ecr/repositoryPolicy:RepositoryPolicy": [resource("policy")],
    "aws:ecr/registryPolicy:RegistryPolicy": [resource("policy")],
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": [resource("repositoryPolicy")],
    "aws:ecrpublic/repositoryPolicy:RepositoryPolicy": [resource("policy")],
    "aws:secretsmanager/secret:Secret": [resource("policy")],
    "aws:secretsmanager/secretPolicy:SecretPolicy": [resource("policy")],
    "aws:glacier/vault:Vault": [resource("accessPolicy")],
    "aws:glacier/vaultLock:VaultLock": [resource("policy")],
    "aws:backup/vaultPolicy:VaultPolicy": [resource("policy")],
    "aws:lambda/resourcePolicy:ResourcePolicy": [resource("policy")],
    "aws:efs/fileSystemPolicy:FileSystemPolicy": [resource("policy")],
    "aws:cloudwatch/eventBusPolicy:EventBusPolicy": [resource("policy")],
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": [resource("policyDocument")],
    "aws:cloudwatch/logDestinationPolicy:LogDestinationPolicy": [resource("accessPolicy")],
    "aws:cloudwatch/logDeliveryDestinationPolicy:LogDeliveryDestinationPolicy": [resource("deliveryDestinationPolicy")],
    "aws:apigateway/restApi:RestApi": [resource("policy")],
    "aws:apigateway/restApiPolicy:RestApiPolicy": [resource("policy")],
    "aws:apigateway/domainName:DomainName": [resource("policy")],
    "aws:elasticsearch/domain:Domain": [resource("accessPolicies")],
    "aws:elasticsearch/domainPolicy:DomainPolicy": [resource("accessPolicies")],
    "aws:opensearch/domain:Domain": [resource("accessPolicies")],
    "aws:opensearch/domainPolicy:DomainPolicy": [resource("accessPolicies")],
    "aws:cloudsearch/domainServiceAccessPolicy:DomainServiceAccessPolicy": [resource("accessPolicy")],
    "aws:codeartifact/domainPermissions:DomainPermissions": [resource("policyDocument")],
    "aws:codeartifact/repositoryPermissionsPolicy:RepositoryPermissionsPolicy": [resource("policyDocument")],
    "aws:codebuild/resourcePolicy:ResourcePolicy": [resource("policy")],
    "aws:dynamodb/resourcePolicy:ResourcePolicy": [resource("policy")],
    "aws:kinesis/resourcePolicy:ResourcePolicy": [resource("policy")],
    "aws:glue/resourcePolicy:ResourcePolicy": [resource("policy")],
    "aws:mediastore/containerPolicy:ContainerPolicy": [resource("policy")],
    "aws:msk/clusterPolicy:ClusterPolicy": [resource("policy")],
    "aws:networkfirewall/resourcePolicy:ResourcePolicy": [resource("policy")],
    "aws:oam/sinkPolicy:SinkPolicy": [resource("policy")],
    "aws:schemas/registryPolicy:RegistryPolicy": [resource("policy")],
    "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy": [resource("resourcePolicy")],
    "aws:ses/identityPolicy:IdentityPolicy": [resource("policy")],
    "aws:sesv2/emailIdentityPolicy:EmailIdentityPolicy": [resource("policy")],
    "aws:acmpca/policy:Policy": [resource("policy")],
    "aws:amp/resourcePolicy:ResourcePolicy": [resource("policyDocument")],
    "aws:redshift/resourcePolicy:ResourcePolicy": [resource("policy")],
    "aws:redshiftserverless/resourcePolicy:ResourcePolicy": [resource("policy")],
    "aws:vpclattice/authPolicy:AuthPolicy": [resource("policy")],
    "aws:vpclattice/resourcePolicy:ResourcePolicy": [resource("policy")],
    "aws:xray/resourcePolicy:ResourcePolicy": [resource("policyDocument")],
    "aws:dsql/clusterPolicy:ClusterPolicy": [resource("policy")],
    "aws:bedrock/agentcoreResourcePolicy:AgentcoreResourcePolicy": [resource("policy")],
    "aws:pinpoint/smsvoicev2ResourcePolicy:Smsvoicev2ResourcePolicy": [resource("policy")],
    "aws:opensearchingest/resourcePolicy:ResourcePolicy": [resource("policy")],
};

/** Resources whose key policy may delegate `kms:*` to an account (see the rule). */
export const KMS_KEY_TYPES: ReadonlySet<string> = new Set([
    "aws:kms/key:Key",
    "aws:kms/keyPolicy:KeyPolicy",
    "aws:kms/externalKey:ExternalKey",
    "aws:kms/replicaKey:ReplicaKey",
    "aws:kms/replicaExternalKey:ReplicaExternalKey",
]);

/** Properties that attach managed policies by ARN: a single ARN or a list of them. */
export const MANAGED_POLICY_ARN_PROPERTIES: Readonly<Record<string, string>> = {
    "aws:iam/role:Role": "managedPolicyArns",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "policyArn",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": "policyArn",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "policyArn",
    "aws:iam/policyAttachment:PolicyAttachment": "policyArn",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "policyArns",
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": "policyArns",
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": "policyArns",
    "aws:ssoadmin/managedPolicyAttachment:ManagedPolicyAttachment": "managedPolicyArn",
    "aws:ssoadmin/managedPolicyAttachmentsExclusive:ManagedPolicyAttachmentsExclusive": "managedPolicyArns",
};

/** Resource-based permissions with a `principal` argument instead of a document. */
export const PRINCIPAL_PERMISSION_TYPES: Readonly<Record<string, { restrictedBy: string[] }>> = {
    "aws:lambda/permission:Permission": { restrictedBy: ["sourceArn", "sourceAccount", "principalOrgId"] },
    "aws:lambda/layerVersionPermission:LayerVersionPermission": { restrictedBy: ["organizationId"] },
};

/** One policy document found on a resource, with its property path. */
export interface PolicyAt {
    path: string;
    kind: PolicyKind;
    value: unknown;
}

/** A list of documents that cannot be walked (unknown, or not a list). */
export interface UnreadableList {
    path: string;
    unknown: boolean;
    reason: string;
}

/** Every IAM document the resource's inputs hold. */
export function policyDocuments(type: string, props: Props): { documents: PolicyAt[]; unreadable: UnreadableList[] } {
    const documents: PolicyAt[] = [];
    const unreadable: UnreadableList[] = [];
    for (const { property, kind, itemKey } of POLICY_PROPERTIES[type] ?? []) {
        const value = props[property];
        if (!itemKey) {
            documents.push({ path: property, kind, value });
            continue;
        }
        if (value === undefined || value === null) {
            continue;
        }
        if (isUnknown(value) || !Array.isArray(value)) {
            unreadable.push({
                path: property,
                unknown: isUnknown(value),
                reason: isUnknown(value) ? "the list is not known until the resources it depends on exist" : `it is a ${typeof value}, not a list`,
            });
            continue;
        }
        value.forEach((item: unknown, i: number) => {
            const path = `${property}[${i}]`;
            if (isUnknown(item)) {
                unreadable.push({ path, unknown: true, reason: "the entry is not known until the resources it depends on exist" });
            } else if (item !== null && typeof item === "object") {
                documents.push({ path: `${path}.${itemKey}`, kind, value: (item as Props)[itemKey] });
            }
        });
    }
    return { documents, unreadable };
}
