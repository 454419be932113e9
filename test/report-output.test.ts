import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fileURLToPath, pathToFileURL } from "url";
import { finishReport, REPORT_SCHEMA_VERSION, type NotSeen, type Report, type StackReport, type Violation } from "../cli/output/report";
import { renderSarif } from "../cli/output/sarif";
import { SourceIndex, withProgramVariable } from "../cli/output/source-locations";
import { COLOUR, PLAIN, renderText } from "../cli/output/text";
import { assertSarifUris, assertValidReport, assertValidSarif } from "./lib/schemas";

const POLICY = {
    name: "container-image-digest-required",
    displayName: "Container images pinned by digest",
    description: "Every container image must be pinned by digest.",
    enforcementLevel: "mandatory",
    remediationSteps: "Pin the image as `<image>@sha256:<digest>`.",
    severity: "high",
    tags: ["supply-chain"],
};

const PACK_DIGEST = `sha256:${"a1".repeat(32)}`;
const CONFIG_DIGEST = `sha256:${"c3".repeat(32)}`;

function violation(overrides: Partial<Violation> = {}): Violation {
    return {
        policy: POLICY.name,
        level: "mandatory",
        urn: "urn:pulumi:dev::shop::kubernetes:apps/v1:Deployment::checkout",
        name: "checkout",
        type: "kubernetes:apps/v1:Deployment",
        path: "spec.template.spec.containers[0].image",
        message: "spec.template.spec.containers[0].image of checkout (kubernetes:apps/v1:Deployment): image \"nginx:1.27\" is pinned by the tag \"1.27\" only.",
        location: { file: "examples/shop/index.ts", line: 12 },
        ...overrides,
    };
}

function report(stacks: StackReport[], options: { softFail?: boolean; failIncomplete?: boolean } = {}): Report {
    return finishReport({
        schemaVersion: REPORT_SCHEMA_VERSION,
        tool: { name: "immutable-guard", version: "0.1.0" },
        policyPack: { name: "immutable-guard", version: "0.1.0", packDigest: PACK_DIGEST },
        source: "dry-run",
        mode: "preview",
        policies: [POLICY],
        stacks,
    }, options);
}

function stack(violations: Violation[], overrides: Partial<StackReport> = {}): StackReport {
    return { program: "examples/shop", entry: "examples/shop/index.ts", project: "shop", stack: "dev", resources: 4, configDigest: CONFIG_DIGEST, notes: [], violations, ...overrides };
}

describe("reports", () => {
    describe("exit code and summary", () => {
        it("is 1 with a mandatory violation, 0 with advisories only, 2 when a program could not be analyzed", () => {
            assert.equal(report([stack([violation()])]).exitCode, 1);
            assert.equal(report([stack([violation({ level: "advisory" })])]).exitCode, 0);
            assert.equal(report([stack([violation()]), stack([], { error: "does not compile" })]).exitCode, 2);
        });

        it("is 0 with --soft-fail despite a mandatory violation, but still 2 for a program that could not be analyzed", () => {
            assert.equal(report([stack([violation()])], { softFail: true }).exitCode, 0);
            assert.equal(report([stack([], { error: "threw" })], { softFail: true }).exitCode, 2);
        });

        it("carries the pack digest and each stack's config digest, as the schema describes them", () => {
            const r = report([stack([violation()])]);
            assert.equal(r.policyPack.packDigest, PACK_DIGEST);
            assert.equal(r.stacks[0].configDigest, CONFIG_DIGEST);
            assertValidReport(r);
            assert.throws(() => assertValidReport({ ...r, policyPack: { ...r.policyPack, packDigest: "sha256:abc" } }));
        });

        it("lists mandatory violations before advisory ones", () => {
            const r = report([stack([violation({ level: "advisory", name: "a" }), violation({ name: "z" })])]);
            assert.deepEqual(r.stacks[0].violations.map((v) => v.level), ["mandatory", "advisory"]);
            assert.deepEqual(r.summary, { stacks: 1, resources: 4, mandatory: 1, advisory: 1, errors: 0, incomplete: 0 });
            assertValidReport(r);
        });
    });

    describe("text", () => {
        it("prints each violation as pulumi preview's Policy Violations section does", () => {
            const text = renderText(report([stack([violation()])]), PLAIN);
            const lines = text.split("\n");
            assert.equal(lines[0], `immutable-guard v0.1.0  pack ${PACK_DIGEST}`);
            assert.equal(lines[2], "examples/shop  (project shop, stack dev, 4 resources)");
            assert.equal(lines[3], `    config ${CONFIG_DIGEST}`);
            assert.equal(lines[4], "Policy Violations:");
            assert.equal(lines[5], "    [mandatory]  immutable-guard v0.1.0  container-image-digest-required  (checkout: kubernetes:apps/v1:Deployment)");
            assert.equal(lines[6], `    ${violation().message}`);
            assert.match(text, /\n1 program, 4 resources analyzed: 1 mandatory violation, 0 advisory violations\.\n$/);
        });

        it("says when the pack has no manifest, so a missing digest is never silent", () => {
            const r = report([stack([])]);
            const withoutDigest = { ...r, policyPack: { name: r.policyPack.name, version: r.policyPack.version } };
            assert.equal(renderText(withoutDigest, PLAIN).split("\n")[0], "immutable-guard v0.1.0  pack digest unknown (a pack without pack-manifest.json, or report lines written without digests)");
        });

        it("says so when a program has no violation, and why one could not be analyzed", () => {
            const text = renderText(report([stack([]), stack([], { program: "examples/broken", configDigest: undefined, error: "Error: boom (index.ts:3:1)" })]), PLAIN);
            assert.match(text, /examples\/shop .*\n {4}config sha256:\S+\n {4}No policy violations\./);
            assert.match(text, /examples\/broken .*\n {4}error: could not be analyzed: Error: boom \(index\.ts:3:1\)/);
            assert.match(text, /1 could not be analyzed\.\n$/);
        });

        it("uses colour only when asked to, red for mandatory and yellow for advisory", () => {
            const r = report([stack([violation(), violation({ level: "advisory" })])]);
            assert.doesNotMatch(renderText(r, PLAIN), /\x1b\[/);
            const coloured = renderText(r, COLOUR);
            assert.match(coloured, /\x1b\[31m\[mandatory\]\x1b\[0m/);
            assert.match(coloured, /\x1b\[33m\[advisory\]\x1b\[0m/);
        });

        it("notes that --soft-fail kept the exit code at 0", () => {
            assert.match(renderText(report([stack([violation()])], { softFail: true }), PLAIN, { softFail: true }), /--soft-fail: mandatory violations are reported but do not fail this run\./);
        });
    });

    describe("SARIF", () => {
        const sarif = () => JSON.parse(renderSarif(report([stack([violation(), violation({ level: "advisory", name: "cart", path: undefined, location: undefined })])]))) as {
            runs: { tool: { driver: { rules: Record<string, unknown>[] } }; results: Record<string, unknown>[] }[];
        };

        it("validates against the SARIF 2.1.0 schema", () => {
            assertValidSarif(sarif());
        });

        it("traces every result to the pack and config: the driver's version and properties, and each result's config digest", () => {
            const run = sarif().runs[0] as unknown as { tool: { driver: { version: string; properties: Record<string, string> } }; results: { properties: Record<string, string> }[] };
            assert.equal(run.tool.driver.version, "0.1.0");
            assert.deepEqual(run.tool.driver.properties, { packDigest: PACK_DIGEST, configDigest: CONFIG_DIGEST });
            assert.deepEqual(run.results.map((r) => r.properties.configDigest), [CONFIG_DIGEST, CONFIG_DIGEST]);
        });

        it("describes each policy as a rule with its description and remediation", () => {
            const [rule] = sarif().runs[0].tool.driver.rules;
            assert.equal(rule.id, POLICY.name);
            assert.equal(rule.name, "ContainerImageDigestRequired");
            assert.deepEqual(rule.shortDescription, { text: POLICY.displayName });
            assert.deepEqual(rule.fullDescription, { text: POLICY.description });
            assert.equal((rule.help as { text: string }).text, POLICY.remediationSteps);
            assert.equal((rule.properties as Record<string, unknown>)["security-severity"], "8.0");
        });

        it("reports each violation with the policy as ruleId, error or warning by level, and a message naming the resource", () => {
            const [mandatory, advisory] = sarif().runs[0].results as { ruleId: string; level: string; message: { text: string }; locations: unknown[] }[];
            assert.equal(mandatory.ruleId, POLICY.name);
            assert.equal(mandatory.level, "error");
            assert.match(mandatory.message.text, /\(checkout: kubernetes:apps\/v1:Deployment\)/);
            assert.equal(advisory.level, "warning");
            assert.match(advisory.message.text, /\(cart: /);
        });

        it("points at the line that declares the resource, else at the program's entry file", () => {
            const [found, notFound] = sarif().runs[0].results as { locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[];
            assert.deepEqual(found.locations[0].physicalLocation.artifactLocation.uri, "examples/shop/index.ts");
            assert.equal(found.locations[0].physicalLocation.region.startLine, 12);
            assert.equal(notFound.locations[0].physicalLocation.region.startLine, 1);
        });

        it("makes every location a relative reference to a base it defines, for programs inside and outside the working directory", () => {
            const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "ig-elsewhere-"));
            const file = path.join(elsewhere, "lib", "audit #1.ts");
            const log = JSON.parse(renderSarif(report([
                stack([violation()]),
                stack([violation({ name: "audit", location: { file, line: 7 } })], { program: elsewhere, entry: path.join(elsewhere, "index.ts"), project: "audit" }),
                stack([], { program: elsewhere, entry: path.join(elsewhere, "index.ts"), project: "audit", stack: "prod", error: "does not compile" }),
            ]))) as { runs: { originalUriBaseIds: Record<string, { uri: string }>; results: { locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId: string } } }[] }[] }[] };
            assertValidSarif(log);
            assert.deepEqual(assertSarifUris(log), [
                { file: path.resolve("examples/shop/index.ts"), line: 12 },
                { file, line: 7 },
            ]);
            const [inside, outside] = log.runs[0].results.map((r) => r.locations[0].physicalLocation.artifactLocation);
            assert.deepEqual(inside, { uri: "examples/shop/index.ts", uriBaseId: "%SRCROOT%" });
            assert.deepEqual(outside, { uri: "lib/audit%20%231.ts", uriBaseId: "PROGRAM1" });
            assert.equal(log.runs[0].originalUriBaseIds.PROGRAM1.uri, `${pathToFileURL(elsewhere).href}/`);
            assert.deepEqual(Object.keys(log.runs[0].originalUriBaseIds), ["%SRCROOT%", "PROGRAM1"], "one base per program directory");
        });

        it("points a report's results at the report file with its own directory as base when it is outside the working directory", () => {
            const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ig-report-")), "policy.jsonl");
            const log = JSON.parse(renderSarif(report([stack([violation({ location: undefined })], { program: undefined, entry: undefined })]), { fallbackFile: file })) as { runs: never[] };
            assert.deepEqual(assertSarifUris(log), [{ file, line: 1 }]);
        });

        it("lists a program that could not be analyzed as a failed invocation", () => {
            const log = JSON.parse(renderSarif(report([stack([], { error: "does not compile" })]))) as { runs: { invocations: { executionSuccessful: boolean; toolExecutionNotifications: { message: { text: string } }[] }[] }[] };
            assertValidSarif(log);
            const [invocation] = log.runs[0].invocations;
            assert.equal(invocation.executionSuccessful, false);
            assert.match(invocation.toolExecutionNotifications[0].message.text, /examples\/shop could not be analyzed: does not compile/);
        });
    });

    describe("a run that could not see everything", () => {
        const repository: NotSeen = {
            kind: "component",
            type: "awsx:ecr:Repository",
            name: "app-images",
            urn: "urn:pulumi:dev::shop::awsx:ecr:Repository::app-images",
            message: "app-images (awsx:ecr:Repository) is a component built inside the awsx provider plugin: its resources exist only when the plugin runs",
            location: { file: "examples/shop/index.ts", line: 7 },
        };
        const parameter: NotSeen = { kind: "data-source", type: "aws:ssm/getParameter:getParameter", message: "the data source aws:ssm/getParameter:getParameter is not answered by the dry run" };
        const incomplete = (options: { failIncomplete?: boolean } = {}) => report([stack([], { incomplete: [repository, parameter] })], options);

        it("counts what was not seen and, only with --fail-incomplete, exits 2 for it", () => {
            assert.equal(incomplete().summary.incomplete, 2);
            assert.equal(incomplete().exitCode, 0);
            assert.equal(incomplete({ failIncomplete: true }).exitCode, 2);
            assert.equal(report([stack([])], { failIncomplete: true }).exitCode, 0);
            assertValidReport(incomplete());
        });

        it("never reads as a clean pass in text: each thing is listed with its type token and the summary says the run is incomplete", () => {
            const text = renderText(incomplete(), PLAIN);
            assert.doesNotMatch(text, /^ {4}No policy violations\.$/m);
            assert.match(text, /No policy violations in what the dry run could see; it could not see everything \(below\)\./);
            assert.match(text, /^Not seen by the dry run:$/m);
            assert.match(text, /^ {4}\[component\]  awsx:ecr:Repository  \(app-images, examples\/shop\/index\.ts:7\)$/m);
            assert.match(text, /^ {4}\[data-source\]  aws:ssm\/getParameter:getParameter$/m);
            assert.match(text, /The run is incomplete: 2 things not seen by the dry run \(listed above\) are checked only by `pulumi preview --policy-pack`\.$/m);
            assert.match(renderText(incomplete({ failIncomplete: true }), PLAIN, { failIncomplete: true }), /--fail-incomplete: an incomplete run fails \(exit code 2\)\./);
        });

        it("is a warning notification of the run in SARIF, never a result, and stays valid SARIF 2.1.0", () => {
            const log = JSON.parse(renderSarif(incomplete())) as {
                runs: {
                    tool: { driver: { notifications: { id: string }[] } };
                    invocations: { executionSuccessful: boolean; toolExecutionNotifications: { level: string; message: { text: string }; descriptor: { id: string }; locations?: { physicalLocation: { region: { startLine: number } } }[]; properties: Record<string, string> }[]; properties?: Record<string, unknown> }[];
                    results: unknown[];
                }[];
            };
            assertValidSarif(log);
            const [run] = log.runs;
            assert.deepEqual(run.results, []);
            const [invocation] = run.invocations;
            assert.equal(invocation.executionSuccessful, true);
            assert.deepEqual(invocation.properties, { incomplete: true });
            const [component, dataSource] = invocation.toolExecutionNotifications;
            assert.equal(component.level, "warning");
            assert.equal(component.descriptor.id, run.tool.driver.notifications[0].id);
            assert.match(component.message.text, /^examples\/shop: not seen by the dry run: app-images \(awsx:ecr:Repository\)/);
            assert.deepEqual(component.properties, { kind: "component", type: "awsx:ecr:Repository", name: "app-images", urn: repository.urn, project: "shop", stack: "dev" });
            assert.equal(component.locations?.[0].physicalLocation.region.startLine, 7);
            assert.equal(dataSource.properties.type, "aws:ssm/getParameter:getParameter");
        });

        it("locates what was not seen as it locates results: relative to %SRCROOT%, or to the base of a program outside the working directory", () => {
            const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "ig-unseen-"));
            const entry = path.join(elsewhere, "index.ts");
            const log = JSON.parse(renderSarif(report([
                stack([], { incomplete: [repository, parameter] }),
                stack([violation({ location: { file: entry, line: 3 } })], {
                    program: elsewhere,
                    entry,
                    project: "platform",
                    incomplete: [{ ...repository, location: { file: path.join(elsewhere, "lib", "registry.ts"), line: 9 } }, parameter],
                }),
            ]))) as {
                runs: {
                    originalUriBaseIds: Record<string, { uri: string }>;
                    invocations: { toolExecutionNotifications: { locations?: { physicalLocation: { artifactLocation: { uri: string; uriBaseId: string } } }[] }[] }[];
                }[];
            };
            assertValidSarif(log);
            // Checks every notification location as it checks results (SARIF1004, SARIF1002), and resolves the results.
            assert.deepEqual(assertSarifUris(log), [{ file: entry, line: 3 }]);
            const [run] = log.runs;
            const artifacts = run.invocations[0].toolExecutionNotifications.map((n) => n.locations?.[0].physicalLocation.artifactLocation);
            assert.deepEqual(artifacts, [
                { uri: "examples/shop/index.ts", uriBaseId: "%SRCROOT%" },
                { uri: "examples/shop/index.ts", uriBaseId: "%SRCROOT%" },
                { uri: "lib/registry.ts", uriBaseId: "PROGRAM1" },
                { uri: "index.ts", uriBaseId: "PROGRAM1" },
            ]);
            const resolved = artifacts.map((a) => a && fileURLToPath(new URL(a.uri, run.originalUriBaseIds[a.uriBaseId].uri)));
            assert.deepEqual(resolved, [path.resolve("examples/shop/index.ts"), path.resolve("examples/shop/index.ts"), path.join(elsewhere, "lib", "registry.ts"), entry]);
            assert.deepEqual(Object.keys(log.runs[0].originalUriBaseIds), ["%SRCROOT%", "PROGRAM1"], "the result and the notifications share the program's base");
        });
    });

    describe("finding where a resource is declared", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ig-sources-"));
        const entry = path.join(dir, "index.ts");
        fs.writeFileSync(entry, [
            "const name = \"checkout\";",
            "export const service = new k8s.core.v1.Service(\"checkout\", {});",
            "new aws.s3.Bucket(",
            "    'audit-logs',",
            ");",
        ].join("\n"));
        fs.mkdirSync(path.join(dir, "lib"));
        fs.writeFileSync(path.join(dir, "lib", "db.ts"), "new aws.rds.Instance(`orders-db`, {});\n");
        const sources = SourceIndex.forProgram(dir, entry);

        it("prefers the line that constructs the resource over an earlier mention of its name", () => {
            assert.deepEqual(sources.locate("checkout"), { file: entry, line: 2, variable: "service" });
        });

        it("finds a name on its own line and in another file of the program", () => {
            assert.deepEqual(sources.locate("audit-logs"), { file: entry, line: 4 });
            assert.deepEqual(sources.locate("orders-db"), { file: path.join(dir, "lib", "db.ts"), line: 1 });
        });

        it("finds nothing for a name the program builds at run time", () => {
            assert.equal(sources.locate("checkout-db"), undefined);
        });

        it("without TypeScript installed (the pack's production dependencies only), locates by string literals, else at the entry file, and never throws", () => {
            // `require` goes through Module._load: refusing "typescript" there is what an install without devDependencies does.
            const loader = require("module") as { _load(request: string, ...rest: unknown[]): unknown };
            const load = loader._load;
            const modulePath = require.resolve("../cli/output/source-locations");
            const cached = require.cache[modulePath];
            let refused = 0;
            loader._load = function (this: unknown, request, ...rest) {
                if (request === "typescript") {
                    refused++;
                    throw Object.assign(new Error("Cannot find module 'typescript'"), { code: "MODULE_NOT_FOUND" });
                }
                return load.call(this, request, ...rest);
            };
            delete require.cache[modulePath];
            try {
                // A copy of the module of its own, so that a TypeScript another test loaded is not reused.
                const { SourceIndex: WithoutTypeScript } = require(modulePath) as typeof import("../cli/output/source-locations");
                const bare = WithoutTypeScript.forProgram(dir, entry);
                assert.deepEqual(bare.locate("checkout", "kubernetes:core/v1:Service"), { file: entry, line: 1 }, "the first literal, no variable");
                assert.deepEqual(bare.locate("orders-db"), { file: path.join(dir, "lib", "db.ts"), line: 1 });
                assert.equal(bare.locate("checkout-db"), undefined);
                assert.deepEqual(bare.declaration("checkout-db", "aws:rds/instance:Instance"), { file: entry, line: 1 });
                assert.equal(refused, 1, "tried once, then remembered");
            } finally {
                loader._load = load;
                require.cache[modulePath] = cached;
            }
            assert.deepEqual(SourceIndex.forProgram(dir, entry).locate("checkout"), { file: entry, line: 2, variable: "service" }, "with TypeScript: the constructor call");
        });

        describe("names the program computes", () => {
            const program = fs.mkdtempSync(path.join(os.tmpdir(), "ig-computed-"));
            const index = path.join(program, "index.ts");
            fs.writeFileSync(index, [
                "const AUDIT = \"audit-logs\";",
                "const stack = pulumi.getStack();",
                "export const audit = new aws.s3.Bucket(AUDIT, {});",
                "const reports = new aws.s3.Bucket(`${stack}-reports`, {});",
                "new aws.s3.BucketVersioning(`${stack}-reports`, { bucket: reports.id });",
                "let db;",
                "db = new aws.rds.Instance(\"orders-\" + stack, {});",
                "function tenantQueue(AUDIT: string) {",
                "    const queue = new aws.sqs.Queue(AUDIT, {});",
                "    return queue;",
                "}",
                "export const tenant = tenantQueue(`${stack}-tenant`);",
            ].join("\n"));
            const computed = SourceIndex.forProgram(program, index);

            it("locates a resource named by a constant at its constructor call, not at the constant", () => {
                assert.deepEqual(computed.locate("audit-logs", "aws:s3/bucket:Bucket"), { file: index, line: 3, variable: "audit" });
            });

            it("locates a resource named by a template literal or a concatenation at its constructor call, telling types apart", () => {
                assert.deepEqual(computed.locate("prod-reports", "aws:s3/bucket:Bucket"), { file: index, line: 4, variable: "reports" });
                assert.deepEqual(computed.locate("prod-reports", "aws:s3/bucketVersioning:BucketVersioning"), { file: index, line: 5 });
                assert.deepEqual(computed.locate("orders-prod", "aws:rds/instance:Instance"), { file: index, line: 7, variable: "db" });
            });

            it("does not take a parameter for the constant it shadows, and falls back to the one constructor of the resource's class, naming no variable", () => {
                assert.deepEqual(computed.locate("prod-tenant", "aws:sqs/queue:Queue"), { file: index, line: 9 });
                assert.equal(computed.locate("audit-logs", "aws:sqs/queue:Queue")?.line, 3, "the literal name, not the queue");
            });

            it("names the program's variable in a fix the pack wrote with a variable named after the resource", () => {
                const message = "add `new aws.s3.BucketObjectLockConfiguration(\"prod-reports-lock\", { bucket: prodReports.id })`.";
                const at = computed.declaration("prod-reports", "aws:s3/bucket:Bucket");
                assert.equal(withProgramVariable(message, "prod-reports", at), "add `new aws.s3.BucketObjectLockConfiguration(\"prod-reports-lock\", { bucket: reports.id })`.");
                assert.equal(withProgramVariable(message, "prod-reports", { file: index, line: 5 }), message, "no variable: the message as the pack wrote it");
                const trust = "api trusts \"api.example.com\"; add `Condition: { \"api.example.com:sub\": \"x\" }` and `role: api.name`.";
                assert.equal(withProgramVariable(trust, "api", { file: index, line: 1, variable: "apiRole" }),
                    "api trusts \"api.example.com\"; add `Condition: { \"api.example.com:sub\": \"x\" }` and `role: apiRole.name`.");
            });
        });
    });
});
