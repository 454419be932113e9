import { strict as assert } from "assert";
import { readPolicyDocument, statementName, type PolicyDocumentRead, type Statement } from "../rules/lib/iam-document";
import { UNKNOWN_ARRAY, UNKNOWN_OBJECT, UNKNOWN_STRING } from "../rules/lib/unknowns";


function document(read: PolicyDocumentRead): Extract<PolicyDocumentRead, { kind: "document" }> {
    assert.equal(read.kind, "document", JSON.stringify(read));
    return read as Extract<PolicyDocumentRead, { kind: "document" }>;
}

function only(read: PolicyDocumentRead): Statement {
    const doc = document(read);
    assert.equal(doc.statements.length, 1);
    return doc.statements[0];
}

describe("iam-document", () => {
    describe("reading the document", () => {
        it("reads a policy written as a JSON string", () => {
            const statement = only(readPolicyDocument('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}'));
            assert.deepEqual(statement.action, { values: ["s3:GetObject"], unknown: false });
            assert.deepEqual(statement.resource, { values: ["arn:aws:s3:::b/*"], unknown: false });
        });

        it("reads the PolicyDocument object form of @pulumi/aws", () => {
            const statement = only(readPolicyDocument({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: ["s3:*"], Resource: "*" }] }));
            assert.equal(statement.effect, "Deny");
            assert.deepEqual(statement.action?.values, ["s3:*"]);
        });

        it("accepts a single Statement object and names it without an index", () => {
            const statement = only(readPolicyDocument({ Statement: { Action: "sts:AssumeRole", Principal: { Service: "ec2.amazonaws.com" } } }));
            assert.equal(statement.path, "Statement");
        });

        it("names list statements by index and Sid", () => {
            const doc = document(readPolicyDocument({ Statement: [{ Action: "a:B" }, { Sid: "Logs", Action: "logs:PutLogEvents" }] }));
            assert.deepEqual(doc.statements.map(statementName), ["Statement[0]", 'Statement[1] (Sid "Logs")']);
        });

        it("treats a missing Effect as Allow", () => {
            assert.equal(only(readPolicyDocument({ Statement: [{ Action: "s3:GetObject", Resource: "*" }] })).effect, "Allow");
        });

        it("keeps a statement with no Action at all", () => {
            const statement = only(readPolicyDocument({ Statement: [{ Effect: "Allow", NotPrincipal: { Service: ["ec2.amazonaws.com"] }, dAction: "sts:AssumeRole" }] }));
            assert.equal(statement.action, undefined);
            assert.deepEqual(statement.notPrincipal?.values, ["Service:ec2.amazonaws.com"]);
        });

        it("reports absent, unknown and invalid documents as such", () => {
            assert.deepEqual(readPolicyDocument(undefined), { kind: "absent" });
            assert.deepEqual(readPolicyDocument(UNKNOWN_STRING), { kind: "unknown" });
            assert.deepEqual(readPolicyDocument({ Version: "2012-10-17", Statement: UNKNOWN_ARRAY }), { kind: "unknown" });
            const notJson = readPolicyDocument('{"Statement": [');
            assert.equal(notJson.kind, "invalid");
            assert.match((notJson as { reason: string }).reason, /^it is not valid JSON/);
            assert.deepEqual(readPolicyDocument('["s3:*"]'), { kind: "invalid", reason: "it is a JSON list, not a policy document object" });
            assert.deepEqual(readPolicyDocument({ Version: "2012-10-17" }), { kind: "invalid", reason: "it has no Statement" });
        });

        it("never quotes the text of a document that is not JSON", () => {
            const read = readPolicyDocument('{"Statement": [{"Sid": "hunter2-secret"');
            assert.equal(read.kind, "invalid");
            assert.doesNotMatch(JSON.stringify(read), /hunter2/);
        });
    });

    describe("fields", () => {
        it("reads Action, Resource and Principal as a string or a list", () => {
            const doc = document(readPolicyDocument({
                Statement: [
                    { Action: "s3:GetObject", Resource: "arn:aws:s3:::a/*", Principal: "*" },
                    { Action: ["s3:GetObject", "s3:PutObject"], Resource: ["arn:aws:s3:::a/*"], Principal: { AWS: ["arn:aws:iam::111122223333:root", "*"] } },
                ],
            }));
            assert.deepEqual(doc.statements[0].principal, { wildcard: true, values: ["*"], unknown: false });
            assert.deepEqual(doc.statements[1].action?.values, ["s3:GetObject", "s3:PutObject"]);
            assert.deepEqual(doc.statements[1].principal, { wildcard: true, values: ["AWS:arn:aws:iam::111122223333:root", "AWS:*"], unknown: false });
        });

        it("lower-cases condition keys, which IAM compares case-insensitively, and keeps them as written for messages", () => {
            const statement = only(readPolicyDocument({ Statement: [{ Action: "sns:Publish", Condition: { StringEquals: { "AWS:SourceAccount": "444455556666" } } }] }));
            assert.deepEqual(statement.conditions, [{ operator: "StringEquals", key: "aws:sourceaccount", written: "AWS:SourceAccount", values: ["444455556666"], unknown: false }]);
        });

        it("reads condition values that are booleans or numbers as strings", () => {
            const statement = only(readPolicyDocument({ Statement: [{ Action: "kms:CreateGrant", Condition: { Bool: { "kms:GrantIsForAWSResource": true } } }] }));
            assert.deepEqual(statement.conditions[0].values, ["true"]);
        });
    });

    describe("values unknown at preview", () => {
        it("keeps the known statements when one field of one statement is unknown", () => {
            const doc = document(readPolicyDocument({
                Statement: [
                    { Effect: "Allow", Action: ["s3:GetObject"], Resource: [UNKNOWN_STRING] },
                    { Effect: "Allow", Action: "sqs:*", Resource: "*" },
                ],
            }));
            assert.deepEqual(doc.statements[0].resource, { values: [], unknown: true });
            assert.deepEqual(doc.statements[1].action, { values: ["sqs:*"], unknown: false });
            assert.deepEqual(doc.problems, []);
        });

        it("marks a partly unknown list as unknown and keeps its known items", () => {
            const statement = only(readPolicyDocument({ Statement: [{ Action: ["s3:GetObject", UNKNOWN_STRING] }] }));
            assert.deepEqual(statement.action, { values: ["s3:GetObject"], unknown: true });
        });

        it("reports an unknown statement as an unknown problem, not a pass", () => {
            const doc = document(readPolicyDocument({ Statement: [{ Action: "s3:GetObject" }, UNKNOWN_OBJECT] }));
            assert.equal(doc.statements.length, 1);
            assert.deepEqual(doc.problems, [{ path: "Statement[1]", reason: "the statement is not known until the resources it depends on exist", unknown: true }]);
        });

        it("reads an unknown Effect as unknown rather than Allow or Deny", () => {
            assert.equal(only(readPolicyDocument({ Statement: [{ Effect: UNKNOWN_STRING, Action: "*" }] })).effect, "unknown");
        });

        it("marks a statement whose Condition is unknown", () => {
            assert.equal(only(readPolicyDocument({ Statement: [{ Principal: "*", Condition: { StringEquals: { "aws:SourceArn": UNKNOWN_STRING } } }] })).conditionUnknown, true);
        });
    });

    describe("values that cannot be read", () => {
        it("reports a statement that is not an object", () => {
            const doc = document(readPolicyDocument({ Statement: ["s3:*"] }));
            assert.deepEqual(doc.problems, [{ path: "Statement[0]", reason: "it is a string, not a statement object" }]);
        });

        it("reports an Action entry that is not a string", () => {
            const doc = document(readPolicyDocument({ Statement: [{ Action: ["s3:GetObject", 42] }] }));
            assert.deepEqual(doc.problems, [{ path: "Statement[0].Action[1]", reason: "it is a number, not a string" }]);
        });

        it("reports an Effect other than Allow or Deny, and still reads the statement as Allow", () => {
            const doc = document(readPolicyDocument({ Statement: [{ Effect: "Permit", Action: "*" }] }));
            assert.deepEqual(doc.problems, [{ path: "Statement[0].Effect", reason: '"Permit" is neither "Allow" nor "Deny"' }]);
            assert.equal(doc.statements[0].effect, "Allow");
        });
    });
});
