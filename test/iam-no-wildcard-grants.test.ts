import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { iamNoWildcardGrants as policy } from "../rules/iam-no-wildcard-grants";
import { MANAGED_POLICY_ARN_PROPERTIES, POLICY_PROPERTIES, PRINCIPAL_PERMISSION_TYPES } from "../rules/lib/iam-locations";
import { UNKNOWN_ARRAY, UNKNOWN_STRING } from "../rules/lib/unknowns";
import { advisory, mandatory, runResourcePolicy, theOnly, type Fixture, type Reported } from "./lib/harness";
import { clone, fixture } from "./lib/fixtures";

const load = (name: string) => fixture("iam-no-wildcard-grants", name);
const run = (f: Fixture, config: Record<string, unknown> = {}) => runResourcePolicy(policy, f, config);

function identityPolicy(document: unknown, name = "app"): Fixture {
    return { type: "aws:iam/policy:Policy", name, props: { policy: typeof document === "string" ? document : JSON.stringify(document) } };
}

function bucketPolicy(statement: Record<string, unknown>): Fixture {
    return {
        type: "aws:s3/bucketPolicy:BucketPolicy",
        name: "assets",
        props: { bucket: "assets", policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::assets/*", ...statement }] }) },
    };
}

const messages = (reported: Reported[]) => reported.map((r) => r.message);

/** What each real document must produce: one pattern per mandatory message, in order, and the advisories. */
interface Expected {
    fixture: string;
    mandatory: (string | RegExp)[];
    advisory?: (string | RegExp)[];
}

function assertReported(reported: Reported[], expected: Expected): void {
    const got = { mandatory: messages(mandatory(reported)), advisory: messages(advisory(reported)) };
    for (const level of ["mandatory", "advisory"] as const) {
        const want = expected[level] ?? [];
        assert.equal(got[level].length, want.length, `${expected.fixture}: ${level}\n${got[level].join("\n")}`);
        want.forEach((pattern, i) => {
            if (typeof pattern === "string") {
                assert.equal(got[level][i], pattern);
            } else {
                assert.match(got[level][i], pattern);
            }
        });
    }
}

describe("iam-no-wildcard-grants", () => {
    it("is a mandatory policy named as the contract says", () => {
        assert.equal(policy.name, "iam-no-wildcard-grants");
        assert.equal(policy.enforcementLevel, "mandatory");
    });

    describe("real policy documents", () => {
        const ofPolicy = (name: string) => `of ${name} (aws:iam/policy:Policy): `;
        const cases: Expected[] = [
            {
                fixture: "managed-administrator-access",
                mandatory: [
                    `policy.Statement[0].Action ${ofPolicy("administrator-access")}Statement[0] allows Action "*", every action of every AWS service; ` +
                    'list only the actions needed, e.g. `Action: ["s3:GetObject"]` with `Resource: ["arn:aws:s3:::my-bucket/*"]`.',
                ],
            },
            {
                fixture: "managed-power-user-access",
                mandatory: [
                    `policy.Statement[0].NotAction ${ofPolicy("power-user-access")}Statement[0] uses NotAction with Allow, which grants every action ` +
                    'except "iam:*", "organizations:*", "account:*", including actions AWS adds later; replace it with an `Action` list of what is needed ' +
                    "(keep NotAction for Deny statements).",
                    `policy.Statement[1].Resource ${ofPolicy("power-user-access")}Statement[1] allows iam:CreateServiceLinkedRole (Write), ` +
                    'iam:DeleteServiceLinkedRole (Write) on Resource "*"; iam:DeleteServiceLinkedRole supports resource-level permissions, so scope ' +
                    'Resource to the ARNs it needs, e.g. "arn:aws:iam::<Account>:role/<RoleNameWithPath>"; limit iam:CreateServiceLinkedRole to its ' +
                    'targets with `Condition: { StringEquals: { "iam:AWSServiceName": "<service>.amazonaws.com" } }` in a statement of its own.',
                ],
            },
            {
                fixture: "managed-iam-full-access",
                mandatory: [/^policy\.Statement\[0\]\.Action of iam-full-access .*allows Action "iam:\*", every action of the service \(including iam:CreatePolicy, iam:DeletePolicy, iam:PutRolePolicy, …\); list the iam actions needed instead, e\.g\. `Action: \["iam:Get\w+"\]`/],
            },
            {
                fixture: "managed-amazon-sqs-full-access",
                mandatory: [/^policy\.Statement\[0\]\.Action of amazon-sqs-full-access .*Statement\[0\] allows Action "sqs:\*", every action of the service \(including sqs:AddPermission, sqs:RemovePermission/],
            },
            {
                fixture: "managed-aws-lambda-basic-execution-role",
                mandatory: [
                    `policy.Statement[0].Resource ${ofPolicy("aws-lambda-basic-execution-role")}Statement[0] allows logs:CreateLogGroup (Write), ` +
                    'logs:CreateLogStream (Write), logs:PutLogEvents (Write) on Resource "*"; these actions support resource-level permissions, so scope ' +
                    'Resource to the ARNs they need, e.g. "arn:aws:logs:<Region>:<Account>:log-group:<LogGroupName>".',
                ],
            },
            {
                fixture: "managed-cloudwatch-agent-server-policy",
                mandatory: [/^policy\.Statement\[0\]\.Resource of cloudwatch-agent-server-policy .*Statement\[0\] \(Sid "CWACloudWatchServerPermissions"\) allows .*logs:PutLogEvents \(Write\), logs:PutRetentionPolicy \(Write\).* on Resource "\*"/],
            },
            {
                fixture: "managed-amazon-ssm-managed-instance-core",
                mandatory: [/^policy\.Statement\[0\]\.Resource of amazon-ssm-managed-instance-core .*ssm:UpdateInstanceInformation \(Write\) on Resource "\*"/],
            },
            {
                fixture: "managed-aws-codedeploy-role",
                mandatory: [/^policy\.Statement\[0\]\.Resource of aws-codedeploy-role .*allows autoscaling:CompleteLifecycleAction \(Write\), .* and \d+ more on Resource "\*"/],
            },
            {
                fixture: "managed-amazon-eks-cni-policy",
                mandatory: [/^policy\.Statement\[0\]\.Resource of amazon-eks-cni-policy .*\(Sid "AmazonEKSCNIPolicy"\) allows ec2:AssignPrivateIpAddresses \(Write\).*e\.g\. "arn:aws:ec2:<Region>:<Account>:network-interface\/<NetworkInterfaceId>"\.$/],
            },
            {
                fixture: "managed-read-only-access",
                mandatory: [
                    /Statement\[0\] \(Sid "ReadOnlyActionsGroup1"\) allows billing:GetResourcePolicy \(Permissions management\) on Resource "\*"/,
                    /allows Action "athena:Get\*" on Resource "\*"; the glob matches \d+ actions, 1 of them Write, Permissions management or Tagging with resource-level permissions, e\.g\. athena:GetSessionEndpoint \(Write\)/,
                    /allows Action "iot:Get\*" on Resource "\*"; .*iot:GetConnection \(Write\)/,
                    /allows Action "iot:List\*" on Resource "\*"; .*iot:ListSubscriptions \(Write\)/,
                ],
                advisory: [/"deepcomposer:GetComposition", .* not in the IAM action data \(@cloud-copilot\/iam-data 0\.\d+\.\d+\)/],
            },
            { fixture: "managed-amazon-s3-read-only-access", mandatory: [] },
            { fixture: "managed-amazon-ec2-container-registry-read-only", mandatory: [] },
            { fixture: "managed-amazon-eks-worker-node-policy", mandatory: [] },
            { fixture: "managed-aws-xray-daemon-write-access", mandatory: [] },

            { fixture: "s3-bucket-policy-organization-only", mandatory: [] },
            { fixture: "s3-bucket-policy-server-access-logs", mandatory: [] },
            {
                fixture: "s3-bucket-policy-ipv4-ipv6",
                mandatory: [/^policy\.Statement\[0\]\.Action of s3-bucket-policy-ipv4-ipv6 \(aws:s3\/bucketPolicy:BucketPolicy\): Statement\[0\] \(Sid "AllowIPmix"\) allows Action "s3:\*"/],
            },
            {
                fixture: "s3-bucket-policy-http-referer",
                mandatory: [
                    "policy.Statement[0].Principal of s3-bucket-policy-http-referer (aws:s3/bucketPolicy:BucketPolicy): Statement[0] " +
                    '(Sid "Allow only GET requests originating from www.example.com and example.com.") allows Principal "*" (anyone, in any account) ' +
                    "and its Condition does not restrict who (aws:Referer does not identify the caller's account, organization or network); name " +
                    'the principals, e.g. `{"AWS": "arn:aws:iam::111122223333:role/reader"}`, or add a condition with a fixed value on ' +
                    "aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID.",
                ],
            },
            {
                fixture: "s3-bucket-policy-not-principal",
                mandatory: [
                    /^policy\.Statement\[0\]\.Action of s3-bucket-policy-not-principal .*allows Action "\*", every action of every AWS service/,
                    "policy.Statement[0].NotPrincipal of s3-bucket-policy-not-principal (aws:s3/bucketPolicy:BucketPolicy): Statement[0] uses " +
                    "NotPrincipal with Allow, which grants everyone except the listed principals, anonymous callers included; name the principals " +
                    "allowed in `Principal` instead.",
                ],
            },
            {
                fixture: "sqs-queue-policy-anonymous-receive",
                mandatory: [/^policy\.Statement\[0\]\.Principal of sqs-queue-policy-anonymous-receive \(aws:sqs\/queuePolicy:QueuePolicy\): Statement\[0\] \(Sid "Queue1_AnonymousAccess_ReceiveMessage"\) allows Principal "\*"/],
            },
            { fixture: "sqs-queue-policy-cidr-allowlist", mandatory: [] },
            { fixture: "sns-topic-policy-s3-event-notifications", mandatory: [] },
            { fixture: "sns-topic-policy-cloudwatch-alarms-other-account", mandatory: [] },
            {
                fixture: "sns-topic-policy-public-publish",
                mandatory: [/^policy\.Statement\.Principal of sns-topic-policy-public-publish .*Statement \(Sid "My-statement-id"\) allows Principal "\*"/],
            },
            {
                fixture: "iam-policy-aws-load-balancer-controller",
                mandatory: [
                    `policy.Statement[0].Resource ${ofPolicy("aws-load-balancer-controller")}Statement[0] allows iam:CreateServiceLinkedRole (Write) on ` +
                    'Resource "*"; limit iam:CreateServiceLinkedRole to its targets with `Condition: { StringEquals: { "iam:AWSServiceName": ' +
                    '"<service>.amazonaws.com" } }` in a statement of its own.',
                    /^policy\.Statement\[1\]\.Resource .*allows waf-regional:AssociateWebACL \(Write\)/,
                    /^policy\.Statement\[2\]\.Resource .*allows ec2:AuthorizeSecurityGroupIngress \(Write\), ec2:RevokeSecurityGroupIngress \(Write\) on Resource "\*"/,
                    /^policy\.Statement\[3\]\.Resource .*allows ec2:CreateSecurityGroup \(Write\) on Resource "\*"; this action supports resource-level permissions, so scope Resource to the ARNs it needs/,
                    /^policy\.Statement\[8\]\.Resource .*allows elasticloadbalancing:CreateListener \(Write\)/,
                    /^policy\.Statement\[11\]\.Resource .*allows elasticloadbalancing:ModifyListener \(Write\)/,
                ],
            },
            { fixture: "apigateway-rest-api-policy-private-vpce-only", mandatory: [] },
            {
                fixture: "apigateway-rest-api-policy-deny-source-ip",
                mandatory: [/^policy\.Statement\[0\]\.Principal of apigateway-rest-api-policy-deny-source-ip \(aws:apigateway\/restApiPolicy:RestApiPolicy\): Statement\[0\] allows Principal "\*" \(anyone, in any account\) with no condition that restricts who/],
            },
            { fixture: "kms-key-policy-console-default", mandatory: [] },
            { fixture: "kms-key-policy-ebs-via-service", mandatory: [] },
            {
                fixture: "kms-key-policy-wildcard-administrators",
                mandatory: [/^policy\.Statement\[1\]\.Principal of kms-key-policy-wildcard-administrators \(aws:kms\/key:Key\): Statement\[1\] \(Sid "Allow administration of the key"\) allows Principal \{"AWS": "\*"\} \(anyone, in any account\)/],
            },
            { fixture: "role-ec2-service-list-bucket", mandatory: [] },
            { fixture: "role-trust-github-oidc", mandatory: [] },
            { fixture: "role-trust-external-id", mandatory: [] },
            {
                fixture: "role-trust-not-principal-without-action",
                mandatory: [
                    /^assumeRolePolicy\.Statement\[0\]\.NotPrincipal of role-trust-not-principal-without-action \(aws:iam\/role:Role\): Statement\[0\] uses NotPrincipal with Allow/,
                    /^inlinePolicies\[0\]\.policy\.Statement\[0\]\.Action of role-trust-not-principal-without-action .*allows Action "s3:\*"/,
                ],
            },

            {
                fixture: "clusterrole-cluster-admin",
                mandatory: [
                    "rules[0] of cluster-admin (kubernetes:rbac.authorization.k8s.io/v1:ClusterRole): grants apiGroups \"*\", resources \"*\" and " +
                    'verbs "*", which match every API group, resource and verb, including ones added later; list what is needed, e.g. ' +
                    '`{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "watch"] }`.',
                    'rules[1] of cluster-admin (kubernetes:rbac.authorization.k8s.io/v1:ClusterRole): grants verbs "*" and nonResourceURLs "*", which ' +
                    'match every verb and URL, including ones added later; list what is needed, e.g. `{ nonResourceURLs: ["/healthz", "/metrics"], verbs: ["get"] }`.',
                ],
            },
            {
                fixture: "clusterrole-argocd-application-controller",
                mandatory: [/^rules\[0\] of argocd-application-controller .*grants apiGroups "\*", resources "\*" and verbs "\*"/, /^rules\[1\] .*nonResourceURLs "\*"/],
            },
            {
                fixture: "clusterrole-keda-operator",
                mandatory: [
                    /^rules\[0\] .*grants verbs "\*",/,
                    /^rules\[1\] .*grants apiGroups "\*" and resources "\*",/,
                    /^rules\[2\] .*grants apiGroups "\*", resources "\*\/scale" \(the scale subresource of every resource\) and verbs "\*",/,
                    /^rules\[3\] .*verbs "\*"/,
                    /^rules\[4\] .*verbs "\*"/,
                    /^rules\[5\] .*verbs "\*"/,
                    /^rules\[6\] .*verbs "\*"/,
                ],
            },
            { fixture: "clusterrole-metrics-server", mandatory: [] },
            {
                fixture: "clusterrolebinding-cluster-admin",
                mandatory: [
                    "roleRef.name of cluster-admin (kubernetes:rbac.authorization.k8s.io/v1beta1:ClusterRoleBinding): binds the ClusterRole " +
                    '"cluster-admin", which grants every verb on every resource; bind a Role or ClusterRole that lists the apiGroups, resources and ' +
                    "verbs these subjects need.",
                ],
            },
            { fixture: "clusterrolebinding-metrics-server-auth-delegator", mandatory: [] },
        ];

        for (const expected of cases) {
            const verdict = expected.mandatory.length === 0 ? "passes" : `rejects (${expected.mandatory.length})`;
            it(`${verdict} ${expected.fixture}`, async () => {
                assertReported(await run(load(expected.fixture)), expected);
            });
        }

        it("covers every real document in the fixtures, each with its source", () => {
            const dir = path.join(__dirname, "fixtures", "iam-no-wildcard-grants");
            const files = fs.readdirSync(dir).map((f) => f.replace(/\.json$/, "")).sort();
            assert.deepEqual(files, cases.map((c) => c.fixture).sort());
            for (const file of files) {
                const source = (JSON.parse(fs.readFileSync(path.join(dir, `${file}.json`), "utf8")) as { source?: string }).source;
                assert.match(source ?? "", /https:\/\/github\.com\/[^/]+\/[^/]+\/blob\/[0-9a-f]{40}\//, file);
            }
            assert.ok(files.length >= 20);
        });
    });

    describe("actions", () => {
        it("treats Action case-insensitively and catches *:* and service:* in a list", async () => {
            const reported = mandatory(await run(identityPolicy({ Statement: [{ Effect: "Allow", Action: ["S3:*", "*:*"], Resource: "arn:aws:s3:::a" }] })));
            assert.deepEqual(reported.map((r) => /Action "([^"]+)"/.exec(r.message)?.[1]), ["S3:*", "*:*"]);
        });

        it("reads a statement without Effect as Allow", async () => {
            const [finding] = mandatory(await run(identityPolicy({ Statement: { Action: "*", Resource: "*" } })));
            assert.match(finding.message, /^policy\.Statement\.Action of app .*Action "\*"/);
        });

        it("rejects Allow with NotAction whatever it lists", async () => {
            const [finding] = mandatory(await run(identityPolicy({ Statement: [{ Effect: "Allow", NotAction: "nosuchservice:Nothing", Resource: "*" }] })));
            assert.match(finding.message, /uses NotAction with Allow, which grants every action except "nosuchservice:Nothing"/);
        });

        it("rejects Allow with NotResource", async () => {
            const [finding] = mandatory(await run(identityPolicy({ Statement: [{ Action: "s3:GetObject", NotResource: "arn:aws:s3:::secret/*" }] })));
            assert.match(finding.message, /^policy\.Statement\[0\]\.NotResource .*grants its actions on every resource except "arn:aws:s3:::secret\/\*"/);
        });

        it("leaves wildcards in Deny statements alone", async () => {
            const deny = { Statement: [{ Effect: "Deny", NotAction: "iam:*", NotResource: "*", Action: "*", Resource: "*", Principal: "*" }] };
            assert.deepEqual(await run(identityPolicy(deny)), []);
        });

        it("checks every statement, not only the first", async () => {
            const reported = mandatory(await run(identityPolicy({
                Statement: [
                    { Action: "s3:GetObject", Resource: "arn:aws:s3:::a/*" },
                    { Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" },
                    { Sid: "Oops", Action: "ec2:*", Resource: "*" },
                ],
            })));
            assert.equal(reported.length, 1);
            assert.match(reported[0].message, /^policy\.Statement\[2\]\.Action of app .*Statement\[2\] \(Sid "Oops"\) allows Action "ec2:\*"/);
        });
    });

    describe("Resource \"*\"", () => {
        it("rejects iam:PassRole on every role", async () => {
            const [finding] = mandatory(await run(identityPolicy({ Statement: [{ Action: "iam:PassRole", Resource: "*" }] })));
            assert.match(finding.message, /allows iam:PassRole \(Write\) on Resource "\*".*e\.g\. "arn:aws:iam::<Account>:role\/<RoleNameWithPath>"/);
        });

        it("lets actions without resource-level permissions keep Resource \"*\"", async () => {
            const doc = { Statement: [{ Action: ["sts:GetCallerIdentity", "ecr:GetAuthorizationToken", "ec2:Describe*", "xray:PutTraceSegments"], Resource: "*" }] };
            assert.deepEqual(await run(identityPolicy(doc)), []);
        });

        it("lets Read and List actions keep Resource \"*\" unless the config adds those levels", async () => {
            const doc = identityPolicy({ Statement: [{ Action: ["s3:GetObject", "s3:ListBucket"], Resource: "*" }] });
            assert.deepEqual(await run(doc), []);
            const [finding] = mandatory(await run(doc, { resourceWildcardAccessLevels: ["Write", "Permissions management", "Tagging", "Read", "List"] }));
            assert.match(finding.message, /allows s3:GetObject \(Read\), s3:ListBucket \(List\) on Resource "\*"/);
        });

        it("reports a partial glob on its own, listing actions that made it fail", async () => {
            const reported = mandatory(await run(identityPolicy({ Statement: [{ Action: ["s3:PutObject*", "logs:PutLogEvents"], Resource: "*" }] })));
            assert.equal(reported.length, 2);
            assert.match(reported[0].message, /allows logs:PutLogEvents \(Write\) on Resource "\*"/);
            assert.match(reported[1].message, /allows Action "s3:PutObject\*" on Resource "\*"; the glob matches \d+ actions, \d+ of them .* e\.g\. s3:PutObject/);
            assert.doesNotMatch(reported[1].message, /every action/, "a partial glob is not reported as a full wildcard");
        });

        it("passes s3:PutObject* scoped to a bucket's objects", async () => {
            assert.deepEqual(await run(identityPolicy({ Statement: [{ Action: "s3:PutObject*", Resource: "arn:aws:s3:::uploads/*" }] })), []);
        });

        it("treats an ARN that is wildcards from the region on as every resource", async () => {
            const [finding] = mandatory(await run(identityPolicy({ Statement: [{ Action: "logs:PutLogEvents", Resource: "arn:aws:logs:*:*:*" }] })));
            assert.match(finding.message, /on Resource "arn:aws:logs:\*:\*:\*"/);
            assert.deepEqual(await run(identityPolicy({ Statement: [{ Action: "logs:PutLogEvents", Resource: "arn:aws:logs:*:*:log-group:/aws/lambda/*" }] })), []);
        });

        it("treats a short ARN ending in * (arn:*, arn:aws:*, arn:aws:iam::*) as every resource", async () => {
            for (const resource of ["arn:*", "arn:aws:*", "arn:aws:iam::*"]) {
                const [finding] = mandatory(await run(identityPolicy({ Statement: [{ Action: "iam:PassRole", Resource: resource }] })));
                assert.match(finding?.message ?? "", new RegExp(`allows iam:PassRole \\(Write\\) on Resource "${resource.replace(/\*/g, "\\*")}"`), resource);
            }
            assert.deepEqual(await run(identityPolicy({ Statement: [{ Action: "iam:PassRole", Resource: "arn:aws:iam::111122223333:*" }] })), []);
            const [glob] = mandatory(await run(identityPolicy({ Statement: [{ Action: "iam:Pass*", Resource: "arn:aws:iam::*" }] })));
            assert.match(glob.message, /allows Action "iam:Pass\*" on Resource "arn:aws:iam::\*"; the glob matches only iam:PassRole \(Write\), which supports resource-level permissions; name it and scope Resource/);
        });

        it("passes Resource \"*\" narrowed by tag conditions (ABAC)", async () => {
            const abac = { Statement: [{ Action: "ec2:StopInstances", Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/team": "${aws:PrincipalTag/team}" } } }] };
            assert.deepEqual(await run(identityPolicy(abac)), []);
            const ifExists = { Statement: [{ Action: "ec2:StopInstances", Resource: "*", Condition: { StringEqualsIfExists: { "aws:ResourceTag/team": "web" } } }] };
            assert.equal(mandatory(await run(identityPolicy(ifExists))).length, 1, "IfExists lets untagged resources through");
        });

        it("passes Resource \"*\" that requires a tag with Null false, as the AWS Load Balancer Controller policy does", async () => {
            const tagged = (key: string, value: string) => identityPolicy({ Statement: [{ Action: "elasticloadbalancing:DeleteLoadBalancer", Resource: "*", Condition: { Null: { [key]: value } } }] });
            assert.deepEqual(await run(tagged("aws:ResourceTag/elbv2.k8s.aws/cluster", "false")), []);
            assert.equal(mandatory(await run(tagged("aws:ResourceTag/elbv2.k8s.aws/cluster", "true"))).length, 1, "Null true matches untagged resources");
            assert.equal(mandatory(await run(tagged("aws:SourceVpc", "false"))).length, 1, "a key that is not a tag does not scope resources");
        });

        it("passes cloudwatch:PutMetricData on Resource \"*\" limited to a namespace, and says how to limit it otherwise", async () => {
            const putMetricData = (condition?: Record<string, unknown>) =>
                identityPolicy({ Statement: [{ Action: "cloudwatch:PutMetricData", Resource: "*", ...(condition ? { Condition: condition } : {}) }] });
            assert.deepEqual(await run(putMetricData({ StringEquals: { "cloudwatch:namespace": "Acme/Orders" } })), []);
            const [finding] = mandatory(await run(putMetricData()));
            assert.equal(finding.message,
                'policy.Statement[0].Resource of app (aws:iam/policy:Policy): Statement[0] allows cloudwatch:PutMetricData (Write) on Resource "*"; ' +
                'limit cloudwatch:PutMetricData to its targets with `Condition: { StringEquals: { "cloudwatch:namespace": "<Namespace>" } }`.');
            assert.equal(mandatory(await run(putMetricData({ StringLike: { "cloudwatch:namespace": "*" } }))).length, 1, "a namespace of * limits nothing");
        });

        it("passes iam:CreateServiceLinkedRole limited to one service's role by iam:AWSServiceName", async () => {
            const doc = { Statement: [{ Action: "iam:CreateServiceLinkedRole", Resource: "*", Condition: { StringEquals: { "iam:AWSServiceName": "ecs.amazonaws.com" } } }] };
            assert.deepEqual(await run(identityPolicy(doc)), []);
            const negated = { Statement: [{ Action: "iam:CreateServiceLinkedRole", Resource: "*", Condition: { StringNotEquals: { "iam:AWSServiceName": "ecs.amazonaws.com" } } }] };
            assert.equal(mandatory(await run(identityPolicy(negated))).length, 1);
        });

        it("says, as advisory, when an action is not in the data instead of guessing", async () => {
            const reported = await run(identityPolicy({ Statement: [{ Action: "s3:PutObjekt", Resource: "*" }] }));
            assert.equal(mandatory(reported).length, 0);
            assert.match(advisory(reported)[0].message, /"s3:PutObjekt" is not in the IAM action data/);
        });
    });

    describe("principals", () => {
        it("rejects Principal {\"AWS\": \"*\"} in a trust policy without a condition", async () => {
            const role = { type: "aws:iam/role:Role", name: "deployer", props: { assumeRolePolicy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }] }) } };
            const [finding] = mandatory(await run(role));
            assert.match(finding.message, /^assumeRolePolicy\.Statement\[0\]\.Principal of deployer .*allows Principal \{"AWS": "\*"\}.*sts:ExternalId/);
        });

        it("accepts sts:ExternalId as restricting who in a trust policy only", async () => {
            const externalId = { Principal: { AWS: "*" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "sts:ExternalId": "12345" } } };
            const role = { type: "aws:iam/role:Role", name: "vendor", props: { assumeRolePolicy: JSON.stringify({ Statement: [{ Effect: "Allow", ...externalId }] }) } };
            assert.deepEqual(await run(role), []);
            assert.equal(mandatory(await run(bucketPolicy({ Principal: "*", Condition: externalId.Condition }))).length, 1);
        });

        for (const [why, condition] of [
            ["an IfExists operator", { StringEqualsIfExists: { "aws:SourceAccount": "111122223333" } }],
            ["a negated operator", { StringNotEquals: { "aws:PrincipalOrgID": "o-aa111bb222" } }],
            ["a wildcard value", { ArnLike: { "aws:SourceArn": "arn:aws:s3:::*" } }],
            ["a policy variable", { StringEquals: { "aws:PrincipalAccount": "${aws:SourceAccount}" } }],
            ["an organization path that leaves the organization open", { "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": "o-*/*" } }],
            ["a user id that leaves the role open", { StringLike: { "aws:userid": "*:alice" } }],
            ["an IP range broader than /8", { IpAddress: { "aws:SourceIp": "0.0.0.0/0" } }],
            ["a key that says nothing of the caller", { StringLike: { "aws:Referer": "https://example.com/*" } }],
            ["ForAllValues (an absent key satisfies it)", { "ForAllValues:StringEquals": { "aws:PrincipalOrgID": "o-aa111bb222" } }],
        ] as const) {
            it(`does not count ${why} as restricting Principal "*"`, async () => {
                assert.equal(mandatory(await run(bucketPolicy({ Principal: "*", Condition: condition }))).length, 1);
            });
        }

        for (const [why, condition] of [
            ["aws:PrincipalOrgID", { StringEquals: { "aws:PrincipalOrgID": ["o-aa111bb222"] } }],
            ["an aws:SourceArn ARN fixed up to the account", { ArnLike: { "aws:SourceArn": "arn:aws:cloudwatch:us-east-2:111122223333:alarm:*" } }],
            ["aws:SourceVpce", { StringEquals: { "aws:SourceVpce": "vpce-1a2b3c4d" } }],
            ["a /24 aws:SourceIp", { IpAddress: { "aws:SourceIp": "192.0.2.0/24" } }],
            ["aws:PrincipalOrgPaths under a fixed organization", { "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"] } }],
            ["aws:userid of one role, any session", { StringLike: { "aws:userid": "AROAEXAMPLEID:*" } }],
        ] as const) {
            it(`accepts ${why} as restricting Principal "*"`, async () => {
                assert.deepEqual(await run(bucketPolicy({ Principal: "*", Condition: condition })), []);
            });
        }

        it("says which condition fails to restrict who, and why", async () => {
            const trust = { Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:PrincipalTag/team": "platform" } } }] };
            const [tag] = mandatory(await run({ type: "aws:iam/role:Role", name: "tagged", props: { assumeRolePolicy: JSON.stringify(trust) } }));
            assert.match(tag.message, /allows Principal \{"AWS": "\*"\} \(anyone, in any account\) and its Condition does not restrict who \(aws:PrincipalTag\/team does not identify the caller's account, organization or network\); name the principals/);
            const [arn] = mandatory(await run(bucketPolicy({ Principal: "*", Condition: { ArnLike: { "aws:SourceArn": "arn:aws:sns:*:*:*" } } })));
            assert.match(arn.message, /its Condition does not restrict who \(aws:SourceArn "arn:aws:sns:\*:\*:\*" has a wildcard where a fixed account or value is needed\)/);
            const [negated] = mandatory(await run(bucketPolicy({ Principal: "*", Condition: { StringNotEquals: { "aws:PrincipalOrgID": "o-aa111bb222" } } })));
            assert.match(negated.message, /\(StringNotEquals on aws:PrincipalOrgID lets in every caller not listed\)/);
        });

        describe("web identity federation", () => {
            const GITHUB = "token.actions.githubusercontent.com";
            const IRSA = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
            const trust = (provider: string, condition?: Record<string, unknown>) => ({
                type: "aws:iam/role:Role",
                name: "deploy",
                props: {
                    assumeRolePolicy: JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [{
                            Effect: "Allow",
                            Principal: { Federated: provider === "accounts.google.com" || provider.startsWith("arn:") ? provider : `arn:aws:iam::111122223333:oidc-provider/${provider}` },
                            Action: "sts:AssumeRoleWithWebIdentity",
                            ...(condition ? { Condition: condition } : {}),
                        }],
                    }),
                },
            });

            it("rejects a GitHub OIDC trust without a condition on the sub claim, whatever the audience", async () => {
                const [finding] = mandatory(await run(trust(GITHUB, { StringEquals: { [`${GITHUB}:aud`]: "sts.amazonaws.com" } })));
                assert.equal(finding.message,
                    "assumeRolePolicy.Statement[0].Principal of deploy (aws:iam/role:Role): Statement[0] trusts the identity provider " +
                    `"${GITHUB}" with no condition on ${GITHUB}:sub, so any identity it issues tokens to can assume this role; add ` +
                    `\`Condition: { StringEquals: { "${GITHUB}:sub": "repo:<org>/<repo>:ref:refs/heads/main" } }\`.`);
            });

            it("rejects a sub claim that leaves the repository owner open", async () => {
                const [finding] = mandatory(await run(trust(GITHUB, { StringLike: { [`${GITHUB}:sub`]: "repo:*/*:ref:refs/heads/corgi" } })));
                assert.match(finding.message, /^assumeRolePolicy\.Statement\[0\]\.Condition of deploy .* with token\.actions\.githubusercontent\.com:sub "repo:\*\/\*:ref:refs\/heads\/corgi", which leaves the repository owner open, so any identity/);
            });

            it("passes a sub claim fixed to one owner, repository or branch", async () => {
                for (const sub of ["repo:acme/platform:ref:refs/heads/main", "repo:acme/platform:*", "repo:acme/*"]) {
                    assert.deepEqual(await run(trust(GITHUB, { StringLike: { [`${GITHUB}:sub`]: sub } })), [], sub);
                }
            });

            it("requires an EKS service account trust (IRSA) to fix the namespace", async () => {
                assert.deepEqual(await run(trust(IRSA, { StringEquals: { [`${IRSA}:sub`]: "system:serviceaccount:kube-system:external-dns" } })), []);
                const [finding] = mandatory(await run(trust(IRSA, { StringLike: { [`${IRSA}:sub`]: "system:serviceaccount:*:external-dns" } })));
                assert.match(finding.message, /"system:serviceaccount:\*:external-dns", which leaves the namespace open, .*add `Condition: \{ StringEquals: \{ "oidc\.eks\.eu-west-1\.amazonaws\.com\/id\/EXAMPLED539D4633E53DE1B71EXAMPLE:sub": "system:serviceaccount:<namespace>:<service-account>" \} \}`/);
            });

            it("requires the audience of a web identity provider named without an ARN", async () => {
                assert.equal(mandatory(await run(trust("accounts.google.com"))).length, 1);
                assert.deepEqual(await run(trust("accounts.google.com", { StringEquals: { "accounts.google.com:aud": "123456789012-abc.apps.googleusercontent.com" } })), []);
            });

            it("leaves SAML federation alone: the identity provider decides who signs in", async () => {
                assert.deepEqual(await run(trust("arn:aws:iam::111122223333:saml-provider/okta")), []);
            });

            it("reports a sub condition unknown at preview as advisory", async () => {
                const role = trust(GITHUB);
                role.props.assumeRolePolicy = { Statement: [{ Effect: "Allow", Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${GITHUB}` }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { [`${GITHUB}:sub`]: UNKNOWN_STRING } } }] } as unknown as string;
                const reported = await run(role);
                assert.deepEqual(reported.map((r) => r.level), ["advisory"]);
                assert.match(reported[0].message, /trusts the identity provider "token\.actions\.githubusercontent\.com" and its Condition is not known/);
            });
        });

        describe("a Deny that lets only some callers through", () => {
            const api = (statements: Record<string, unknown>[]) => ({
                type: "aws:apigateway/restApiPolicy:RestApiPolicy",
                name: "internal",
                props: { restApiId: "a1b2c3d4e5", policy: { Version: "2012-10-17", Statement: statements } },
            });
            const allow = { Effect: "Allow", Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*" };
            const deny = { ...allow, Effect: "Deny", Condition: { StringNotEquals: { "aws:SourceVpce": "vpce-1a2b3c4d" } } };

            it("restricts Principal \"*\" when it denies the same actions on the same resources to every caller but a fixed one", async () => {
                assert.deepEqual(await run(api([allow, deny])), []);
                assert.deepEqual(await run(api([{ ...deny, Action: "*", Resource: "*" }, allow])), [], "a broader Deny covers the Allow");
            });

            for (const [why, changed] of [
                ["covers fewer actions", { ...deny, Action: "execute-api:ManageConnections" }],
                ["covers fewer resources", { ...deny, Resource: "execute-api:/prod/*" }],
                ["applies to some principals only", { ...deny, Principal: { AWS: "arn:aws:iam::111122223333:root" } }],
                ["also needs an unrelated condition to apply", { ...deny, Condition: { ...deny.Condition, Bool: { "aws:SecureTransport": "false" } } }],
                ["denies only the callers it lists", { ...deny, Condition: { StringEquals: { "aws:SourceVpce": "vpce-1a2b3c4d" } } }],
                ["compares with a wildcard", { ...deny, Condition: { StringNotLike: { "aws:SourceVpce": "vpce-*" } } }],
            ] as const) {
                it(`does not restrict Principal "*" when the Deny ${why}`, async () => {
                    assert.equal(mandatory(await run(api([allow, changed]))).length, 1);
                });
            }

            it("reports Principal \"*\" as advisory while the Deny's condition is unknown at preview", async () => {
                const reported = await run(api([allow, { ...deny, Condition: { StringNotEquals: { "aws:SourceVpce": UNKNOWN_STRING } } }]));
                assert.deepEqual(reported.map((r) => r.level), ["advisory"]);
                assert.match(reported[0].message, /a Deny statement that may restrict it is not known .* checked when `pulumi up` runs/);
            });
        });

        it("reports Principal \"*\" with a Condition unknown at preview as advisory", async () => {
            const reported = await run(bucketPolicy({ Principal: "*", Condition: { ArnEquals: { "aws:SourceArn": UNKNOWN_STRING } } }));
            assert.deepEqual(reported.map((r) => r.level), ["advisory"]);
            assert.match(reported[0].message, /Condition is not known .* checked when `pulumi up` runs/);
        });

        it("lets a key policy delegate kms:* to the account, but not to anyone else", async () => {
            const key = (principal: unknown) => ({
                type: "aws:kms/key:Key",
                name: "orders",
                props: { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { AWS: principal }, Action: "kms:*", Resource: "*" }] }) },
            });
            assert.deepEqual(await run(key("arn:aws:iam::111122223333:root")), []);
            assert.deepEqual(await run(key("111122223333")), []);
            const [finding] = mandatory(await run(key("arn:aws:iam::111122223333:role/app")));
            assert.match(finding.message, /allows Action "kms:\*"/);
        });

        it("does not extend the kms:* delegation to other resource policies", async () => {
            const [finding] = mandatory(await run(bucketPolicy({ Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "s3:*" })));
            assert.match(finding.message, /allows Action "s3:\*"/);
            assert.doesNotMatch(finding.message, /with the ARNs they act on/, "a resource policy's Resource is the resource itself");
        });

        it("does not judge Resource \"*\" in a resource policy, where it means the resource itself", async () => {
            const secret = {
                type: "aws:secretsmanager/secretPolicy:SecretPolicy",
                name: "db",
                props: { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:role/app" }, Action: "secretsmanager:GetSecretValue", Resource: "*" }] }) },
            };
            assert.deepEqual(await run(secret), []);
        });
    });

    describe("where policies live", () => {
        it("checks each of a role's inline policies at its own path", async () => {
            const role = clone(load("role-ec2-service-list-bucket"));
            (role.props.inlinePolicies as unknown[]).push({ name: "logs", policy: JSON.stringify({ Statement: [{ Action: "logs:*", Resource: "*" }] }) });
            const [finding] = mandatory(await run(role));
            assert.match(finding.message, /^inlinePolicies\[1\]\.policy\.Statement\[0\]\.Action of role-ec2-service-list-bucket/);
        });

        it("checks an SSO permission set's inline policy as an identity policy", async () => {
            const set = { type: "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy", name: "ops", props: { inlinePolicy: JSON.stringify({ Statement: [{ Action: "iam:PassRole", Resource: "*" }] }) } };
            const [finding] = mandatory(await run(set));
            assert.match(finding.message, /^inlinePolicy\.Statement\[0\]\.Resource of ops/);
        });

        it("checks a Glacier vault's access policy and a Backup vault policy", async () => {
            const statement = { Statement: [{ Effect: "Allow", Principal: "*", Action: "glacier:InitiateJob", Resource: "arn:aws:glacier:us-east-1:111122223333:vaults/v" }] };
            assert.equal(mandatory(await run({ type: "aws:glacier/vault:Vault", name: "v", props: { accessPolicy: JSON.stringify(statement) } })).length, 1);
            assert.equal(mandatory(await run({ type: "aws:backup/vaultPolicy:VaultPolicy", name: "b", props: { policy: JSON.stringify(statement) } })).length, 1);
        });

        it("reads every policy-bearing property from a type and property that exist in @pulumi/aws 7", () => {
            const aws = path.dirname(require.resolve("@pulumi/aws/package.json"));
            const tokens: [string, string[]][] = [
                ...Object.entries(POLICY_PROPERTIES).map(([t, ps]): [string, string[]] => [t, ps.map((p) => p.property)]),
                ...Object.entries(MANAGED_POLICY_ARN_PROPERTIES).map(([t, p]): [string, string[]] => [t, [p]]),
                ...Object.entries(PRINCIPAL_PERMISSION_TYPES).map(([t, { restrictedBy }]): [string, string[]] => [t, ["principal", "action", ...restrictedBy]]),
            ];
            for (const [token, properties] of tokens) {
                const [, module, file] = /^aws:([a-z0-9]+)\/([A-Za-z0-9]+):/.exec(token) ?? [];
                const js = fs.readFileSync(path.join(aws, module, `${file}.js`), "utf8");
                assert.ok(js.includes(`__pulumiType = '${token}'`), token);
                const dts = fs.readFileSync(path.join(aws, module, `${file}.d.ts`), "utf8");
                const args = dts.slice(dts.indexOf("Args {"));
                for (const property of properties) {
                    assert.match(args, new RegExp(`\\n\\s+${property}\\??: `), `${token}.${property}`);
                }
            }
        });
    });

    describe("documents that cannot be read now or ever", () => {
        it("reports a policy that is not valid JSON, without quoting it", async () => {
            const finding = theOnly(mandatory(await run(identityPolicy('{"Statement": [{"Sid": "hunter2", "Action": "*"'))));
            assert.match(finding.message, /^policy of app \(aws:iam\/policy:Policy\): is not a valid IAM policy document because it is not valid JSON/);
            assert.doesNotMatch(finding.message, /hunter2/);
        });

        it("reports a statement that is not an object instead of passing it", async () => {
            const [finding] = mandatory(await run(identityPolicy({ Statement: ["s3:*"] })));
            assert.match(finding.message, /^policy\.Statement\[0\] of app .*cannot be read because it is a string, not a statement object/);
        });

        it("reports a document unknown at preview as advisory, to be checked at up", async () => {
            const reported = await run({ type: "aws:iam/rolePolicy:RolePolicy", name: "app", props: { role: "app", policy: UNKNOWN_STRING } });
            assert.deepEqual(reported.map((r) => r.level), ["advisory"]);
            assert.match(reported[0].message, /^policy of app .*getPolicyDocumentOutput.*checked when `pulumi up` runs/);
        });

        it("checks the known statements of a partly unknown document and is advisory only for the rest", async () => {
            const document = {
                Version: "2012-10-17",
                Statement: [
                    { Effect: "Allow", Action: ["s3:PutObject"], Resource: [UNKNOWN_STRING] },
                    { Effect: "Allow", Action: "sqs:*", Resource: "arn:aws:sqs:us-east-1:111122223333:jobs" },
                    { Effect: "Allow", Action: ["s3:GetObject"], Resource: [UNKNOWN_STRING] },
                ],
            };
            const reported = await run({ type: "aws:iam/policy:Policy", name: "app", props: { policy: document } });
            assert.deepEqual(messages(mandatory(reported)).map((m) => m.split(" of ")[0]), ["policy.Statement[1].Action"]);
            assert.deepEqual(messages(advisory(reported)).map((m) => m.split(" of ")[0]), ["policy.Statement[0].Resource"]);
            assert.match(advisory(reported)[0].message, /Resource is not known .* actions include Write, Permissions management or Tagging ones/);
        });

        it("reports an inline policy list unknown at preview as advisory", async () => {
            const role = { type: "aws:iam/role:Role", name: "app", props: { assumeRolePolicy: load("role-trust-github-oidc").props.assumeRolePolicy, inlinePolicies: UNKNOWN_ARRAY } };
            assert.deepEqual((await run(role)).map((r) => r.level), ["advisory"]);
        });
    });

    describe("managed policies", () => {
        const attachment = (policyArn: unknown) => ({ type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name: "admin", props: { role: "app", policyArn } });

        it("rejects attaching AdministratorAccess", async () => {
            const [finding] = mandatory(await run(attachment("arn:aws:iam::aws:policy/AdministratorAccess")));
            assert.equal(finding.message,
                "policyArn of admin (aws:iam/rolePolicyAttachment:RolePolicyAttachment): attaches the AWS managed policy " +
                '"arn:aws:iam::aws:policy/AdministratorAccess", which grants every action on every resource; attach a policy that lists the ' +
                "actions and resources this identity needs (an `aws.iam.RolePolicy` or `aws.iam.Policy` with a scoped document).");
        });

        it("matches managed policies in every partition and path", async () => {
            assert.equal(mandatory(await run(attachment("arn:aws-us-gov:iam::aws:policy/PowerUserAccess"))).length, 1);
            assert.deepEqual(await run(attachment("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess")), []);
            assert.deepEqual(await run(attachment("arn:aws:iam::111122223333:policy/AdministratorAccess")), [], "a customer policy of the same name is checked by its document");
        });

        it("checks a role's managedPolicyArns one by one", async () => {
            const role = { type: "aws:iam/role:Role", name: "app", props: { assumeRolePolicy: load("role-trust-github-oidc").props.assumeRolePolicy, managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/IAMFullAccess"] } };
            const [finding] = mandatory(await run(role));
            assert.match(finding.message, /^managedPolicyArns\[1\] of app .*IAMFullAccess", which grants all of IAM/);
        });

        it("lets an ARN unknown at preview through: it names a policy of this stack, checked where it is defined", async () => {
            assert.deepEqual(await run(attachment(UNKNOWN_STRING)), []);
        });

        it("uses the configured deny list", async () => {
            const config = { managedPolicyDenyList: ["AmazonS3FullAccess"] };
            assert.deepEqual(await run(attachment("arn:aws:iam::aws:policy/AdministratorAccess"), config), []);
            const [finding] = mandatory(await run(attachment("arn:aws:iam::aws:policy/AmazonS3FullAccess"), config));
            assert.match(finding.message, /it is on the managedPolicyDenyList/);
        });
    });

    describe("Lambda permissions", () => {
        const permission = (props: Record<string, unknown>) => ({ type: "aws:lambda/permission:Permission", name: "invoke", props: { function: "resize", action: "lambda:InvokeFunction", ...props } });

        it("rejects principal \"*\" with nothing that restricts the caller", async () => {
            const [finding] = mandatory(await run(permission({ principal: "*" })));
            assert.match(finding.message, /^principal of invoke .*principal "\*" lets anyone.*`sourceArn`/);
        });

        it("passes a service principal restricted to one source", async () => {
            assert.deepEqual(await run(permission({ principal: "*", sourceArn: "arn:aws:s3:::uploads" })), []);
            assert.deepEqual(await run(permission({ principal: "s3.amazonaws.com", sourceArn: UNKNOWN_STRING })), []);
        });

        it("rejects a wildcard action", async () => {
            const [finding] = mandatory(await run(permission({ principal: "events.amazonaws.com", action: "lambda:*" })));
            assert.match(finding.message, /^action of invoke .*"lambda:\*" grants every action/);
        });
    });

    describe("Kubernetes RBAC", () => {
        const role = (type: string, rules: unknown) => ({ type, name: "app", props: { metadata: { name: "app", namespace: "web" }, rules } });

        it("does not treat */* as a wildcard: it only names a subresource called *", async () => {
            assert.deepEqual(await run(role("kubernetes:rbac.authorization.k8s.io/v1:Role", [{ apiGroups: [""], resources: ["*/*"], verbs: ["get"] }])), []);
        });

        it("suggests the rule as written with only its wildcard replaced", async () => {
            const [finding] = mandatory(await run(role("kubernetes:rbac.authorization.k8s.io/v1:Role", [{ apiGroups: [""], resources: ["secrets"], verbs: ["*"] }])));
            assert.equal(finding.message,
                'rules[0] of app (kubernetes:rbac.authorization.k8s.io/v1:Role): grants verbs "*", which match every verb, including ones added later; ' +
                'list what is needed, e.g. `{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch"] }`.');
        });

        it("checks Role, RolePatch and ClusterRoleList items like ClusterRole", async () => {
            const rules = [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }, { apiGroups: [""], resources: ["secrets"], verbs: ["*"] }];
            for (const type of ["kubernetes:rbac.authorization.k8s.io/v1:Role", "kubernetes:rbac.authorization.k8s.io/v1:RolePatch"]) {
                const [finding] = mandatory(await run(role(type, rules)));
                assert.match(finding.message, /^rules\[1\] of app .*grants verbs "\*"/, type);
            }
            const list = { type: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleList", name: "roles", props: { items: [{ rules: rules.slice(0, 1) }, { rules }] } };
            const [finding] = mandatory(await run(list));
            assert.match(finding.message, /^items\[1\]\.rules\[1\] of roles/);
        });

        it("passes a patch that sets no rules", async () => {
            assert.deepEqual(await run(role("kubernetes:rbac.authorization.k8s.io/v1:ClusterRolePatch", undefined)), []);
        });

        it("reports rules unknown at preview as advisory", async () => {
            const reported = await run(role("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", [{ apiGroups: [""], resources: ["pods"], verbs: UNKNOWN_ARRAY }]));
            assert.deepEqual(reported.map((r) => r.level), ["advisory"]);
            assert.match(reported[0].message, /^rules\[0\]\.verbs of app/);
        });

        it("rejects a namespaced RoleBinding to cluster-admin and uses the configured deny list", async () => {
            const binding = (name: string) => ({ type: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", name: "b", props: { roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name }, subjects: [] } });
            assert.equal(mandatory(await run(binding("cluster-admin"))).length, 1);
            assert.deepEqual(await run(binding("admin")), []);
            assert.equal(mandatory(await run(binding("admin"), { clusterRoleDenyList: ["cluster-admin", "admin"] })).length, 1);
        });
    });

    describe("config", () => {
        it("lets allowedActions keep an action broad", async () => {
            const config = { allowedActions: [{ action: "logs:*", reason: "log groups are created per function by the runtime" }] };
            assert.deepEqual(await run(load("managed-aws-lambda-basic-execution-role"), config), []);
            assert.deepEqual(await run(load("managed-amazon-sqs-full-access"), { allowedActions: [{ action: "sqs:*", reason: "queue admin role" }] }), []);
        });

        it("lets allowedResources mark a broad resource as accepted", async () => {
            const doc = identityPolicy({ Statement: [{ Action: "logs:PutLogEvents", Resource: "arn:aws:logs:*:*:*" }] });
            assert.deepEqual(await run(doc, { allowedResources: [{ resource: "arn:aws:logs:*:*:*", reason: "shared log shipper" }] }), []);
        });

        for (const [key, value, why] of [
            ["allowedActions", [{ action: "logs:*" }], /allowedActions must be a list of \{ "action"/],
            ["allowedResources", ["*"], /allowedResources must be a list of \{ "resource"/],
            ["resourceWildcardAccessLevels", ["Write", "Admin"], /resourceWildcardAccessLevels has "Admin"/],
            ["managedPolicyDenyList", "AdministratorAccess", /managedPolicyDenyList must be a list of non-empty strings/],
        ] as const) {
            it(`fails closed on a malformed ${key}`, async () => {
                const [finding] = mandatory(await run(load("managed-amazon-s3-read-only-access"), { [key]: value }));
                assert.match(finding.message, why);
            });
        }

        it("applies an exemption with a reason to a wildcard grant", async () => {
            const exemptions = [{ urn: "*::administrator-access", reason: "break-glass role, reviewed quarterly", expires: "2999-12-31" }];
            const reported = await run(load("managed-administrator-access"), { exemptions });
            assert.deepEqual(reported.map((r) => r.level), ["advisory"]);
            assert.match(reported[0].message, /exempted by .* \(reason: break-glass role/);
        });
    });
});
