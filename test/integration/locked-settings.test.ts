import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { AnalyzedResource, PolicyPackProcess, ReturnedDiagnostic } from "../../cli/analyzer-client";
import { parsePolicyPackConfig, reconcilePolicyPackConfig, settingsWithLevels } from "../../cli/policy-config";
import { runCommand } from "../lib/cli";
import { clone } from "../lib/fixtures";
import { packPerSuite } from "../lib/pack";
import { AWS, exportPath, loadExport, wireInputs } from "../lib/stack-export";

const POLICY = "immutable-no-in-place-update";
const EXPORT = "aws-prod-show-secrets";
const STACK_ROOT = "urn:pulumi:prod::shop::pulumi:pulumi:Stack::shop-prod";

type ConfigFile = Record<string, unknown>;

/** The config the lock is made under: stricter than the defaults in a few places, as a production stack's would be. */
const STRONG: ConfigFile = {
    "storage-object-lock-required": { minRetentionDays: 30 },
    "storage-object-lock-required-stack": { minRetentionDays: 30 },
    "container-image-digest-required": { allowedRegistries: ["123456789012.dkr.ecr.eu-west-1.amazonaws.com"] },
};

function resource(urn: string, change?: (props: Record<string, any>) => void): AnalyzedResource {
    const type = loadExport(EXPORT).deployment.resources.find((r) => r.urn === urn)?.type as string;
    const properties = clone(wireInputs(EXPORT, urn)) as Record<string, any>;
    change?.(properties);
    return { type, urn, name: urn.slice(urn.lastIndexOf("::") + 2), properties };
}

/** Every live resource of the stack, as AnalyzeStack receives them. */
function wholeStack(): AnalyzedResource[] {
    return loadExport(EXPORT).deployment.resources.filter((r) => !r.delete).map((r) => resource(r.urn));
}

/** The findings about settings, whichever policy reports them. */
const aboutSettings = (diagnostics: ReturnedDiagnostic[]) =>
    diagnostics.filter((d) => /where the lock \(made for|the lock \(made for shop\/prod\) does not know|the lock records no settings/.test(d.message));

/**
 * End to end: `immutable-guard lock --config` records the settings, then the pack, started as the Pulumi
 * CLI starts it, is configured as the CLI configures it (every policy reconciled with its level) with a
 * config that keeps, weakens or strengthens them.
 */
describe("settings weaker than the lock's, through Configure, Analyze and AnalyzeStack", function () {
    this.timeout(120000);
    let pack: PolicyPackProcess;
    let locked: ConfigFile;

    async function configureAsCli(config: ConfigFile): Promise<void> {
        const info = await pack.getAnalyzerInfo();
        const reconciled = reconcilePolicyPackConfig(info.policies, info.initialConfig, parsePolicyPackConfig(JSON.stringify(config), "policy-config.json"));
        assert.deepEqual(reconciled.problems, []);
        await pack.configure(settingsWithLevels(reconciled.config ?? {}));
    }

    /** The locked config with some policies' entries replaced. */
    const lockedWith = (changes: ConfigFile): ConfigFile => ({ ...locked, ...changes });

    packPerSuite(async (started) => {
        pack = started;
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ig-settings-"));
        const strong = path.join(dir, "strong.json");
        fs.writeFileSync(strong, JSON.stringify(STRONG));
        const out = path.join(dir, "policy-config.json");
        const result = await runCommand(["lock", exportPath(EXPORT), "--config", strong, "--out", out]);
        assert.equal(result.code, 0, result.stderr);
        locked = JSON.parse(fs.readFileSync(out, "utf8")) as ConfigFile;
        await pack.configureStack({ stack: "prod", project: "shop", dryRun: true });
    });

    it("finds nothing under the config the lock was made under", async () => {
        await configureAsCli(locked);
        assert.deepEqual(aboutSettings(await pack.analyzeStack(wholeStack())), []);
        assert.deepEqual(aboutSettings(await pack.analyze(resource(STACK_ROOT))), []);
    });

    it("reports each weakened setting once, mandatory, at Analyze of the stack resource, from the lock policy", async () => {
        await configureAsCli(lockedWith({
            "iam-no-wildcard-grants": "advisory",
            "storage-object-lock-required": { minRetentionDays: 7 },
            "container-image-digest-required": {
                allowedRegistries: ["123456789012.dkr.ecr.eu-west-1.amazonaws.com", "docker.io"],
                exemptions: [{ urn: "urn:pulumi:prod::shop::*::vendor-agent", reason: "vendor ships tags only", expires: "2099-12-31" }],
            },
        }));
        const found = aboutSettings(await pack.analyze(resource(STACK_ROOT)));
        assert.deepEqual(found.map((d) => [d.policyName, d.enforcementLevel]), Array(4).fill([POLICY, "mandatory"]));
        const text = found.map((d) => d.message).join("\n");
        assert.match(text, /iam-no-wildcard-grants\.enforcementLevel is "advisory" where the lock \(made for shop\/prod\) records "mandatory"/);
        assert.match(text, /storage-object-lock-required\.minRetentionDays is 7 where the lock \(made for shop\/prod\) records 30: a shorter minimum retention/);
        assert.match(text, /container-image-digest-required\.allowedRegistries is \["123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com","docker\.io"\] where the lock .* records \["123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com"\]: now also allows images from "docker\.io"/);
        assert.match(text, /container-image-digest-required\.exemptions has an exemption the lock \(made for shop\/prod\) does not know: "urn:pulumi:prod::shop::\*::vendor-agent" until 2099-12-31/);
        assert.deepEqual(aboutSettings(await pack.analyze(resource(AWS.bucket))), [], "on the stack resource only");
        assert.deepEqual(aboutSettings(await pack.analyzeStack(wholeStack())), [], "one policy reports it, not every one");
    });

    it("reports the lock policy disabled through the next resource policy that still runs", async () => {
        await configureAsCli(lockedWith({ [POLICY]: { ...(locked[POLICY] as ConfigFile), enforcementLevel: "disabled" } }));
        const [finding, ...rest] = aboutSettings(await pack.analyze(resource(STACK_ROOT)));
        assert.equal(rest.length, 0);
        assert.deepEqual([finding.policyName, finding.enforcementLevel], ["storage-object-lock-required", "mandatory"]);
        assert.match(finding.message, /immutable-no-in-place-update\.enforcementLevel is "disabled" where the lock .* records "mandatory"/);
    });

    it("reports through a stack policy at AnalyzeStack when no resource policy runs, mandatory though that policy is advisory", async () => {
        const resourcePolicies = (await pack.getAnalyzerInfo()).policies.map((p) => p.name).filter((name) => !name.endsWith("-stack"));
        await configureAsCli(lockedWith({
            ...Object.fromEntries(resourcePolicies.map((name) => [name, { ...(locked[name] as ConfigFile | undefined), enforcementLevel: "disabled" }])),
            [`${POLICY}-stack`]: "advisory",
        }));
        assert.deepEqual(aboutSettings(await pack.analyze(resource(STACK_ROOT))), []);
        const found = aboutSettings(await pack.analyzeStack(wholeStack()));
        assert.deepEqual(found.map((d) => [d.policyName, d.enforcementLevel, d.urn]), Array(resourcePolicies.length + 1).fill([`${POLICY}-stack`, "mandatory", STACK_ROOT]));
        assert.match(found.map((d) => d.message).join("\n"), /immutable-no-in-place-update-stack\.enforcementLevel is "advisory"/);
    });

    it("finds nothing when the config in force is stronger than the lock's", async () => {
        await configureAsCli(lockedWith({
            "storage-object-lock-required": { minRetentionDays: 365, allowedModes: ["COMPLIANCE"] },
            "container-image-digest-required": { allowedRegistries: ["123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop"] },
            "iam-no-wildcard-grants": { resourceWildcardAccessLevels: ["Write", "Permissions management", "Tagging", "Read", "List"] },
            [POLICY]: { ...(locked[POLICY] as ConfigFile), types: ["aws:dynamodb/table:Table"], missingLockedResources: "mandatory" },
        }));
        assert.deepEqual(aboutSettings(await pack.analyze(resource(STACK_ROOT))), []);
        assert.deepEqual(aboutSettings(await pack.analyzeStack(wholeStack())), []);
    });

    it("judges only the stack the lock was made for", async () => {
        await configureAsCli(lockedWith({ "iam-no-wildcard-grants": "advisory" }));
        const devRoot = { ...resource(STACK_ROOT), urn: STACK_ROOT.replace("urn:pulumi:prod::", "urn:pulumi:dev::") };
        assert.deepEqual(aboutSettings(await pack.analyze(devRoot)), []);
    });

    it("keeps comparing resources with a lock made before settings were recorded, and notes once that it holds none", async () => {
        const old = clone(locked) as Record<string, { lock: { settings?: unknown } }>;
        delete old[POLICY].lock.settings;
        await configureAsCli({ ...old, "iam-no-wildcard-grants": "advisory" });
        const changed = await pack.analyze(resource(AWS.bucket, (p) => (p.tags.env = "production")));
        assert.ok(changed.some((d) => d.policyName === POLICY && d.enforcementLevel === "mandatory" && /inputs differ from the lock: tags\.env changed/.test(d.message)));
        const [note, ...rest] = aboutSettings(await pack.analyze(resource(STACK_ROOT)));
        assert.equal(rest.length, 0);
        assert.deepEqual([note.policyName, note.enforcementLevel], [POLICY, "advisory"]);
        assert.match(note.message, /the lock records no settings \(it was made by an earlier immutable-guard\)/);
    });
});
