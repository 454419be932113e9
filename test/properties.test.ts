import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import fc from "fast-check";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containerImageDigestRequired } from "../rules/container-image-digest-required";
import { iamNoWildcardGrants } from "../rules/iam-no-wildcard-grants";
import { Fingerprinter, newSalt } from "../rules/lib/fingerprint";
import { digestOf } from "../rules/lib/lock";
import { policies } from "../rules";
import { mandatory, runResourcePolicy, urnOf, type Fixture } from "./lib/harness";

const hex = fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 64, maxLength: 64 });
const segment = fc.stringMatching(/^[a-z0-9]{1,8}(-[a-z0-9]{1,4})?$/);
const repository = fc.tuple(fc.option(fc.constantFrom("ghcr.io", "registry.local:5000", "123456789012.dkr.ecr.eu-west-1.amazonaws.com")), fc.array(segment, { minLength: 1, maxLength: 3 }))
    .map(([registry, parts]) => [registry, ...parts].filter((p) => p !== null).join("/"));
const tag = fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,12}$/));
const image = fc.record({ repository, tag, digest: fc.option(hex) });
const render = (i: { repository: string; tag: string | null; digest: string | null }) =>
    `${i.repository}${i.tag !== null ? `:${i.tag}` : ""}${i.digest !== null ? `@sha256:${i.digest}` : ""}`;

function workload(containers: string[], init: string[]): Fixture {
    return {
        type: "kubernetes:apps/v1:Deployment",
        name: "generated",
        props: { spec: { template: { spec: {
            containers: containers.map((image, i) => ({ name: `c${i}`, image })),
            initContainers: init.map((image, i) => ({ name: `i${i}`, image })),
        } } } },
    };
}

function shuffleKeys(value: unknown, random: () => number): unknown {
    if (Array.isArray(value)) {
        return value.map((v) => shuffleKeys(v, random));
    }
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>);
        for (let i = entries.length - 1; i > 0; i--) {
            const j = Math.floor(random() * (i + 1));
            [entries[i], entries[j]] = [entries[j], entries[i]];
        }
        return Object.fromEntries(entries.map(([k, v]) => [k, shuffleKeys(v, random)]));
    }
    return value;
}

function allFixtures(): Fixture[] {
    const root = path.join(__dirname, "fixtures");
    const out: Fixture[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const file = path.join(dir, entry.name);
            if (entry.isDirectory()) {
                walk(file);
            } else if (entry.name.endsWith(".json")) {
                let parsed: Partial<Fixture>;
                try {
                    parsed = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<Fixture>;
                } catch {
                    continue; // deliberately broken inputs of the command-line tests
                }
                if (typeof parsed.type === "string" && parsed.props && typeof parsed.props === "object") {
                    out.push(parsed as Fixture);
                }
            }
        }
    };
    walk(root);
    return out;
}

describe("invariants that hold for every input", () => {
    it("reports exactly the images not pinned by digest, and nothing once every image is pinned", async () => {
        await fc.assert(fc.asyncProperty(fc.array(image, { minLength: 1, maxLength: 5 }), fc.array(image, { maxLength: 3 }), hex, async (containers, init, digest) => {
            const refs = [...containers, ...init];
            const unpinned = refs.filter((i) => i.digest === null).length;
            const before = mandatory(await runResourcePolicy(containerImageDigestRequired, workload(containers.map(render), init.map(render))));
            assert.equal(before.length, unpinned);
            const pin = (i: { repository: string; tag: string | null; digest: string | null }) => render({ ...i, digest: i.digest ?? digest });
            const after = await runResourcePolicy(containerImageDigestRequired, workload(containers.map(pin), init.map(pin)));
            assert.deepEqual(after, []);
        }), { numRuns: 500 });
    });

    it("gives the same verdict whatever the order of object keys", async () => {
        const fixtures = allFixtures();
        assert.ok(fixtures.length > 10);
        const resourcePolicies = policies.filter((p): p is typeof p & ResourceValidationPolicy => "validateResource" in p);
        await fc.assert(fc.asyncProperty(fc.constantFrom(...fixtures), fc.integer(), async (fixture, seed) => {
            let state = seed >>> 0;
            const random = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32);
            const shuffled = { ...fixture, props: shuffleKeys(fixture.props, random) as Record<string, unknown> };
            for (const policy of resourcePolicies) {
                const a = (await runResourcePolicy(policy, fixture)).map((r) => `${r.level} ${r.message}`).sort();
                const b = (await runResourcePolicy(policy, shuffled)).map((r) => `${r.level} ${r.message}`).sort();
                assert.deepEqual(b, a, `${policy.name} on ${fixture.type}`);
            }
        }), { numRuns: 300 });
    });
});

describe("IAM invariants", () => {
    const documents = allFixtures().filter((f) => typeof f.props.policy === "string" && f.props.policy.includes("Statement"));
    const action = fc.constantFrom("*", "s3:*", "s3:Get*", "iam:PassRole", "kms:Decrypt", "ec2:Describe*", "sts:AssumeRole", "logs:PutLogEvents");
    const resource = fc.constantFrom("*", "arn:aws:s3:::bucket/*", "arn:aws:iam::123456789012:role/x", "arn:aws:kms:*:*:key/*");
    const deny = fc.record({
        Sid: fc.option(fc.constantFrom("DenyAll", "DenyInsecureTransport"), { nil: undefined }),
        Effect: fc.constant("Deny"),
        Action: fc.oneof(action, fc.array(action, { minLength: 1, maxLength: 3 })),
        Resource: fc.oneof(resource, fc.array(resource, { minLength: 1, maxLength: 2 })),
        Principal: fc.option(fc.constantFrom("*", { AWS: "*" }), { nil: undefined }),
        Condition: fc.option(fc.constant({ Bool: { "aws:SecureTransport": "false" } }), { nil: undefined }),
    }, { requiredKeys: ["Effect", "Action", "Resource"] });

    it("never adds a violation when a Deny statement is added", async () => {
        assert.ok(documents.length >= 10, "real policy documents to start from");
        await fc.assert(fc.asyncProperty(fc.constantFrom(...documents), deny, fc.nat(), async (fixture, statement, at) => {
            const document = JSON.parse(fixture.props.policy as string) as { Statement: unknown };
            const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
            const before = mandatory(await runResourcePolicy(iamNoWildcardGrants, fixture)).map((r) => r.message);
            const appended = { ...fixture, props: { ...fixture.props, policy: JSON.stringify({ ...document, Statement: [...statements, statement] }) } };
            const afterAppend = mandatory(await runResourcePolicy(iamNoWildcardGrants, appended)).map((r) => r.message);
            // A lone Statement object becomes a list here, which renames `Statement` to `Statement[0]` in messages.
            if (Array.isArray(document.Statement)) {
                assert.deepEqual(afterAppend.filter((m) => !before.includes(m)), [], "no new finding after appending a Deny");
            }
            assert.ok(afterAppend.length <= before.length);
            const position = at % (statements.length + 1);
            const inserted = [...statements.slice(0, position), statement, ...statements.slice(position)];
            const withInsert = { ...fixture, props: { ...fixture.props, policy: JSON.stringify({ ...document, Statement: inserted }) } };
            assert.ok(mandatory(await runResourcePolicy(iamNoWildcardGrants, withInsert)).length <= before.length);
        }), { numRuns: 300 });
    });
});

describe("lock fingerprint invariants", () => {
    const json = fc.jsonValue({ maxDepth: 4 });

    it("fingerprints the same inputs identically whatever the order of their keys", () => {
        const fingerprints = new Fingerprinter(newSalt());
        fc.assert(fc.property(fc.dictionary(fc.string({ minLength: 1 }), json, { maxKeys: 6 }), fc.integer(), (inputs, seed) => {
            let state = seed >>> 0;
            const random = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32);
            const scope = { urn: urnOf("aws:s3/bucket:Bucket", "b"), type: "aws:s3/bucket:Bucket" };
            const shuffled = shuffleKeys(inputs, random) as Record<string, unknown>;
            assert.equal(digestOf(scope, shuffled, fingerprints), digestOf(scope, inputs, fingerprints));
        }), { numRuns: 1000 });
    });

    it("gives different fingerprints under different salts, so locks cannot be compared across", () => {
        const scope = { urn: urnOf("aws:s3/bucket:Bucket", "b"), type: "aws:s3/bucket:Bucket" };
        const inputs = { bucket: "audit-logs", tags: { immutable: "true" } };
        assert.notEqual(digestOf(scope, inputs, new Fingerprinter(newSalt())), digestOf(scope, inputs, new Fingerprinter(newSalt())));
    });
});
