import { strict as assert } from "assert";
import * as path from "path";
import type { AnalyzeResponse } from "@pulumi/pulumi/proto/analyzer_pb";
import type { PolicyResource } from "@pulumi/policy";
import { analyzeRequest, analyzeStackRequest, secret, toDiagnostics, type AnalyzedResource } from "../cli/analyzer-client";
import { containerImageDigestRequired } from "../rules/container-image-digest-required";
import { defineResourcePolicy, defineStackPolicy, stackViews, type ResourceView, type StackFinding } from "../rules/lib/policy";
import { shareDeserializedProperties } from "../rules/lib/sdk-deserialization";
import { fixture } from "./lib/fixtures";
import { urnOf } from "./lib/harness";

// The SDK's own handlers, driven directly: what this optimisation relies on is their internals.
type Handler = (call: { request: unknown }, callback: (error: unknown, response?: AnalyzeResponse) => void) => Promise<void>;
type MakeHandler = (pack: string, version: string, level: string, policies: unknown[]) => Handler;
const sdkDir = path.dirname(require.resolve("@pulumi/policy"));
const server = require(path.join(sdkDir, "server")) as { makeAnalyzeRpcFun: MakeHandler; makeAnalyzeStackRpcFun: MakeHandler };
const sdk = require(path.join(sdkDir, "deserialize")) as { deserializeProperties(struct: unknown, proxySecrets: boolean): Record<string, unknown> };

async function handle(make: MakeHandler, policies: unknown[], request: unknown) {
    let response: AnalyzeResponse | undefined;
    await make("immutable-guard", "0.0.0", "mandatory", policies)({ request }, (error, r) => {
        if (error) {
            throw error;
        }
        response = r;
    });
    return toDiagnostics(response!);
}

const meta = (name: string) => ({
    name,
    displayName: name,
    description: "Records what it is given.",
    severity: "low" as const,
    remediationSteps: "Nothing to fix.",
    config: {},
    readConfig: () => ({}),
});

function recordingResourcePolicy(name: string, seen: ResourceView[]) {
    return defineResourcePolicy({ ...meta(name), appliesTo: () => true, check: (resource) => (seen.push(resource), []) });
}

function recordingStackPolicy(name: string, seen: Array<readonly ResourceView[]>) {
    return defineStackPolicy({ ...meta(name), check: (resources): StackFinding[] => (seen.push(resources), []) });
}

function resource(name: string): AnalyzedResource {
    const f = fixture("container-image-digest-required", name);
    return { type: f.type, name: f.name ?? name, urn: urnOf(f.type, f.name ?? name), properties: f.props };
}

describe("properties converted once per request for every policy", () => {
    before(() => assert.equal(shareDeserializedProperties(), true, "the SDK is laid out as expected"));

    it("gives every resource policy of one Analyze the same converted properties", async () => {
        const seen: ResourceView[] = [];
        const deployment = resource("deployment-pinned");
        await handle(server.makeAnalyzeRpcFun, [recordingResourcePolicy("first", seen), recordingResourcePolicy("second", seen)], analyzeRequest(deployment));
        assert.equal(seen.length, 2);
        assert.equal(seen[0].props, seen[1].props);
        assert.deepEqual(seen[0].props, deployment.properties);
    });

    it("converts each request afresh", async () => {
        const seen: ResourceView[] = [];
        const policies = [recordingResourcePolicy("only", seen)];
        await handle(server.makeAnalyzeRpcFun, policies, analyzeRequest(resource("deployment-pinned")));
        await handle(server.makeAnalyzeRpcFun, policies, analyzeRequest(resource("cronjob-latest")));
        assert.notEqual(seen[0].props, seen[1].props);
        assert.equal(seen[1].type, "kubernetes:batch/v1:CronJob");
        assert.deepEqual(seen[1].props, resource("cronjob-latest").properties);
    });

    it("still hands policies secret inputs unwrapped", async () => {
        const seen: ResourceView[] = [];
        const task = resource("ecs-task-definition-tag");
        const request = analyzeRequest({ ...task, properties: { ...task.properties, containerDefinitions: secret(task.properties.containerDefinitions) } });
        const diagnostics = await handle(server.makeAnalyzeRpcFun, [recordingResourcePolicy("recorder", seen), containerImageDigestRequired], request);
        assert.equal(seen[0].props.containerDefinitions, task.properties.containerDefinitions);
        assert.equal(diagnostics.length, 1);
        assert.match(diagnostics[0].message, /containerDefinitions\[0\]\.image of api/);
    });

    it("gives every stack policy of one AnalyzeStack the same view of each resource", async () => {
        const seen: Array<readonly ResourceView[]> = [];
        const pinned = resource("deployment-pinned");
        const cronjob = { ...resource("cronjob-latest"), dependencies: [pinned.urn], propertyDependencies: { spec: [pinned.urn] } };
        await handle(server.makeAnalyzeStackRpcFun, [recordingStackPolicy("first-stack", seen), recordingStackPolicy("second-stack", seen)], analyzeStackRequest([pinned, cronjob]));
        assert.equal(seen.length, 2);
        seen[0].forEach((view, i) => assert.equal(view, seen[1][i]));
        assert.deepEqual(seen[0].map((v) => v.urn), [pinned.urn, cronjob.urn]);
        assert.deepEqual(seen[0][1].dependencies, [pinned.urn]);
        assert.deepEqual(seen[0][1].propertyDependencies, { spec: [pinned.urn] });
    });

    it("does not lend one resource's view to another resource with the same properties object", () => {
        const props = { bucket: "logs" };
        const base = { type: "aws:s3/bucket:Bucket", props, opts: { ignoreChanges: [], protect: false }, dependencies: [], propertyDependencies: {} };
        const views = stackViews([
            { ...base, urn: urnOf("aws:s3/bucket:Bucket", "a"), name: "a" },
            { ...base, urn: urnOf("aws:s3/bucket:Bucket", "b"), name: "b" },
        ] as unknown as PolicyResource[]);
        assert.deepEqual(views.map((v) => v.name), ["a", "b"]);
    });

    it("leaves Remediate's secret-preserving conversion to each call", () => {
        const struct = analyzeRequest(resource("deployment-pinned")).getProperties();
        assert.notEqual(sdk.deserializeProperties(struct, true), sdk.deserializeProperties(struct, true));
        assert.equal(sdk.deserializeProperties(struct, false), sdk.deserializeProperties(struct, false));
    });

    it("installs itself once however often it is called", () => {
        const installed = sdk.deserializeProperties;
        assert.equal(shareDeserializedProperties(), true);
        assert.equal(sdk.deserializeProperties, installed);
    });
});
