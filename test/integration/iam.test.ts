import { strict as assert } from "assert";
import { secret, type AnalyzedResource, type PolicyPackProcess, type ReturnedDiagnostic } from "../../cli/analyzer-client";
import { UNKNOWN_STRING } from "../../rules/lib/unknowns";
import { fixture } from "../lib/fixtures";
import { urnOf } from "../lib/harness";
import { analyzedFixture, packPerSuite } from "../lib/pack";

const POLICY = "iam-no-wildcard-grants";

function resource(type: string, name: string, properties: Record<string, unknown>): AnalyzedResource {
    return { type, name, urn: urnOf(type, name), properties };
}

const fromFixture = (name: string) => analyzedFixture(POLICY, name);

/** The diagnostics of this policy only, as the CLI would print them. */
function ours(diagnostics: ReturnedDiagnostic[]): { level: string; message: string }[] {
    return diagnostics.filter((d) => d.policyName === POLICY).map((d) => ({ level: d.enforcementLevel, message: d.message }));
}

const mandatory = (message: string) => ({ level: "mandatory", message });
const advisory = (message: string) => ({ level: "advisory", message });

/**
 * One stack mixing identity, trust and resource policies and RBAC, sent resource by resource over
 * gRPC to the pack started as the Pulumi CLI starts it.
 */
describe("iam-no-wildcard-grants over gRPC", function () {
    this.timeout(120000);
    let pack: PolicyPackProcess;
    packPerSuite((started) => (pack = started));

    it("refuses an allowedActions entry without a reason at Configure", async () => {
        await assert.rejects(
            pack.configure({ [POLICY]: { enforcementLevel: "mandatory", allowedActions: [{ action: "logs:*" }] } }),
            /iam-no-wildcard-grants\.allowedActions\.0 must have required property 'reason'/,
        );
    });

    it("accepts its config and the stack", async () => {
        await pack.configure({
            [POLICY]: {
                enforcementLevel: "mandatory",
                allowedActions: [{ action: "xray:PutTraceSegments", reason: "X-Ray segments are not resource-scoped" }],
                clusterRoleDenyList: ["cluster-admin"],
            },
        });
        await pack.configureStack({ stack: "prod", project: "shop", dryRun: true });
    });

    it("rejects a role whose inline policy globs s3:PutObject* on every resource, and passes its OIDC trust", async () => {
        const role = resource("aws:iam/role:Role", "deployer", {
            assumeRolePolicy: fixture(POLICY, "role-trust-github-oidc").props.assumeRolePolicy,
            inlinePolicies: [{
                name: "upload",
                policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "Upload", Effect: "Allow", Action: ["s3:PutObject*"], Resource: "*" }] }),
            }],
        });
        const [diagnostic, ...rest] = ours(await pack.analyze(role));
        assert.deepEqual(rest, []);
        assert.equal(diagnostic.level, "mandatory");
        assert.match(diagnostic.message,
            /^inlinePolicies\[0\]\.policy\.Statement\[0\]\.Resource of deployer \(aws:iam\/role:Role\): Statement\[0\] \(Sid "Upload"\) allows Action "s3:PutObject\*" on Resource "\*"; the glob matches \d+ actions, \d+ of them Write, Permissions management or Tagging with resource-level permissions, e\.g\. s3:PutObject\w* \(\w[\w ]+\), /);
    });

    it("rejects a trust policy that lets anyone assume the role", async () => {
        const role = resource("aws:iam/role:Role", "open-door", {
            assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }] }),
        });
        assert.deepEqual(ours(await pack.analyze(role)), [mandatory(
            "assumeRolePolicy.Statement[0].Principal of open-door (aws:iam/role:Role): Statement[0] allows Principal {\"AWS\": \"*\"} " +
            "(anyone, in any account) with no condition that restricts who; name the principals, e.g. " +
            "`{\"AWS\": \"arn:aws:iam::111122223333:role/reader\"}`, or add a condition with a fixed value on aws:PrincipalAccount, " +
            "aws:PrincipalArn, aws:PrincipalOrgID, sts:ExternalId.",
        )]);
    });

    it("checks the known statements of an object-form policy with an unknown Resource and defers the rest", async () => {
        const policy = resource("aws:iam/rolePolicy:RolePolicy", "worker", {
            role: "worker",
            policy: {
                Version: "2012-10-17",
                Statement: [
                    { Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [UNKNOWN_STRING] },
                    { Effect: "Allow", Action: "sqs:*", Resource: "arn:aws:sqs:eu-west-1:111122223333:jobs" },
                    { Effect: "Allow", Action: ["xray:PutTraceSegments", "sts:GetCallerIdentity"], Resource: "*" },
                ],
            },
        });
        const diagnostics = ours(await pack.analyze(policy));
        assert.equal(diagnostics.length, 2);
        assert.deepEqual(diagnostics[0], advisory(
            "policy.Statement[0].Resource of worker (aws:iam/rolePolicy:RolePolicy): Statement[0]: Resource is not known until the " +
            "resources it depends on exist, and its actions include Write, Permissions management or Tagging ones; whether it is \"*\" " +
            "is checked when `pulumi up` runs.",
        ));
        assert.equal(diagnostics[1].level, "mandatory");
        assert.match(diagnostics[1].message, /^policy\.Statement\[1\]\.Action of worker \(aws:iam\/rolePolicy:RolePolicy\): Statement\[1\] allows Action "sqs:\*", every action of the service \(including sqs:AddPermission, /);
    });

    it("defers a policy document that is wholly unknown at preview", async () => {
        const policy = resource("aws:iam/policy:Policy", "computed", { policy: UNKNOWN_STRING });
        assert.deepEqual(ours(await pack.analyze(policy)), [advisory(
            "policy of computed (aws:iam/policy:Policy): the policy document is not known until the resources it depends on exist " +
            "(as with `getPolicyDocumentOutput(...).json` or `pulumi.jsonStringify` over outputs); its statements are checked when " +
            "`pulumi up` runs.",
        )]);
    });

    it("reports a policy that is not JSON as mandatory", async () => {
        const policy = resource("aws:iam/userPolicy:UserPolicy", "broken", { user: "ci", policy: "{ Statement: [" });
        assert.deepEqual(ours(await pack.analyze(policy)), [mandatory(
            "policy of broken (aws:iam/userPolicy:UserPolicy): is not a valid IAM policy document because it is not valid JSON (error at character 2); " +
            "fix it so its grants can be checked.",
        )]);
    });

    it("rejects a queue policy open to anyone, even when the policy arrives as a secret", async () => {
        const queue = fromFixture("sqs-queue-policy-anonymous-receive");
        queue.properties = { ...queue.properties, policy: secret(queue.properties.policy) };
        assert.deepEqual(ours(await pack.analyze(queue)), [mandatory(
            "policy.Statement[0].Principal of sqs-queue-policy-anonymous-receive (aws:sqs/queuePolicy:QueuePolicy): Statement[0] " +
            "(Sid \"Queue1_AnonymousAccess_ReceiveMessage\") allows Principal \"*\" (anyone, in any account) with no condition that " +
            "restricts who; name the principals, e.g. `{\"AWS\": \"arn:aws:iam::111122223333:role/reader\"}`, or add a condition with a " +
            "fixed value on aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID.",
        )]);
    });

    it("passes well-scoped resource policies: the console's default key policy and an SNS topic for S3 events", async () => {
        assert.deepEqual(ours(await pack.analyze(fromFixture("kms-key-policy-console-default"))), []);
        assert.deepEqual(ours(await pack.analyze(fromFixture("sns-topic-policy-s3-event-notifications"))), []);
    });

    it("rejects attaching AdministratorAccess", async () => {
        const attachment = resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "deployer-admin", {
            role: "deployer",
            policyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
        });
        assert.deepEqual(ours(await pack.analyze(attachment)), [mandatory(
            "policyArn of deployer-admin (aws:iam/rolePolicyAttachment:RolePolicyAttachment): attaches the AWS managed policy " +
            "\"arn:aws:iam::aws:policy/AdministratorAccess\", which grants every action on every resource; attach a policy that lists " +
            "the actions and resources this identity needs (an `aws.iam.RolePolicy` or `aws.iam.Policy` with a scoped document).",
        )]);
    });

    it("rejects every wildcard rule of a ClusterRole and a binding to cluster-admin, and passes a scoped ClusterRole", async () => {
        const keda = ours(await pack.analyze(fromFixture("clusterrole-keda-operator")));
        assert.deepEqual(keda.map((d) => d.message.split(" of ")[0]), ["rules[0]", "rules[1]", "rules[2]", "rules[3]", "rules[4]", "rules[5]", "rules[6]"]);
        assert.deepEqual(keda[2], mandatory(
            "rules[2] of keda-operator (kubernetes:rbac.authorization.k8s.io/v1:ClusterRole): grants apiGroups \"*\", resources " +
            "\"*/scale\" (the scale subresource of every resource) and verbs \"*\", which match every API group, resource and verb, " +
            "including ones added later; list what is needed, e.g. `{ apiGroups: [\"apps\"], resources: [\"deployments/scale\"], " +
            "verbs: [\"get\", \"list\", \"watch\"] }`.",
        ));
        assert.deepEqual(ours(await pack.analyze(fromFixture("clusterrolebinding-cluster-admin"))), [mandatory(
            "roleRef.name of cluster-admin (kubernetes:rbac.authorization.k8s.io/v1beta1:ClusterRoleBinding): binds the ClusterRole " +
            "\"cluster-admin\", which grants every verb on every resource; bind a Role or ClusterRole that lists the apiGroups, " +
            "resources and verbs these subjects need.",
        )]);
        assert.deepEqual(ours(await pack.analyze(fromFixture("clusterrole-metrics-server"))), []);
    });
});
