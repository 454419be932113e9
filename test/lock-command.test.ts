import { strict as assert } from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Fingerprinter } from "../rules/lib/fingerprint";
import type { Lock } from "../rules/lib/lock";
import { runCommand } from "./lib/cli";
import { clone } from "./lib/fixtures";
import { AWS, exportPath, KUBERNETES, loadExport, PLAINTEXT_SECRETS } from "./lib/stack-export";

const POLICY = "immutable-no-in-place-update";

type Config = Record<string, { lock: Lock; [key: string]: unknown }>;

function tempDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "ig-lock-"));
}

function writeJson(dir: string, name: string, value: unknown): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify(value, null, 2));
    return file;
}

async function lockTo(dir: string, source: string, extra: string[] = []): Promise<{ config: Config; stderr: string; file: string }> {
    const file = path.join(dir, `config-${fs.readdirSync(dir).length}.json`);
    const result = await runCommand(["lock", source, "--out", file, ...extra]);
    assert.equal(result.code, 0, result.stderr);
    return { config: JSON.parse(fs.readFileSync(file, "utf8")) as Config, stderr: result.stderr, file };
}

/** Every way an unsalted hash of a value might be written. */
function unsaltedHashes(value: string): string[] {
    const forms: string[] = [];
    for (const text of [value, JSON.stringify(value)]) {
        for (const algorithm of ["sha256", "sha1", "md5"]) {
            const digest = createHash(algorithm).update(text).digest();
            forms.push(digest.toString("hex"), digest.toString("base64"), digest.toString("base64url"), digest.toString("base64url").slice(0, 22));
        }
    }
    return forms;
}

function reorderKeys(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(reorderKeys);
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reorderKeys(v)]));
    }
    return value;
}

describe("immutable-guard lock", () => {
    it("writes a policy-pack config holding the lock of every flagged resource under immutable-no-in-place-update", async () => {
        const { config, stderr } = await lockTo(tempDir(), exportPath("aws-prod-show-secrets"));
        assert.deepEqual(Object.keys(config), [POLICY]);
        const lock = config[POLICY].lock;
        assert.equal(lock.version, 1);
        assert.equal(lock.stack, "prod");
        assert.equal(lock.project, "shop");
        assert.equal(lock.secrets, "shown");
        assert.deepEqual(Object.keys(lock.resources).sort(), [AWS.bucket, AWS.function, AWS.database].sort(),
            "unflagged, read-only (external) and provider resources are left out");
        assert.match(stderr, /locked 3 flagged resources of shop\/prod/);
    });

    it("locks the live resource, not one pending deletion under the same URN", async () => {
        const lock = (await lockTo(tempDir(), exportPath("aws-prod-show-secrets"))).config[POLICY].lock;
        const expected = new Fingerprinter(lock.salt).of(AWS.bucket, "objectLockEnabled", true);
        assert.equal(lock.resources[AWS.bucket].properties.objectLockEnabled, expected);
    });

    it("records each input by its property path and leaves provider bookkeeping out", async () => {
        const lock = (await lockTo(tempDir(), exportPath("kubernetes-prod-show-secrets"))).config[POLICY].lock;
        const deployment = lock.resources[KUBERNETES.deployment];
        assert.ok(deployment.properties["spec.template.spec.containers[0].image"]);
        assert.ok(deployment.properties['metadata.labels["immutable"]'] === undefined && deployment.properties["metadata.labels.immutable"]);
        assert.equal(deployment.properties['metadata.labels["app.kubernetes.io/managed-by"]'], undefined);
        assert.deepEqual(deployment.autonamed, ["metadata.name"]);
        const aws = (await lockTo(tempDir(), exportPath("aws-prod-show-secrets"))).config[POLICY].lock;
        assert.ok(Object.keys(aws.resources[AWS.bucket].properties).every((p) => !p.includes("__defaults")));
    });

    for (const name of ["aws-prod-show-secrets", "kubernetes-prod-show-secrets"]) {
        it(`never writes a secret's plaintext or an unsalted hash of it (${name})`, async () => {
            const { file } = await lockTo(tempDir(), exportPath(name));
            const text = fs.readFileSync(file, "utf8");
            const secrets = [...PLAINTEXT_SECRETS, JSON.stringify({ password: "p4ss-W0rd-e1f9", username: "checkout" })];
            for (const secret of secrets) {
                assert.ok(!text.includes(secret), "no plaintext");
                for (const hash of unsaltedHashes(secret)) {
                    assert.ok(!text.includes(hash), "no unsalted hash");
                }
            }
        });
    }

    it("gives equal values in different places different fingerprints", async () => {
        const lock = (await lockTo(tempDir(), exportPath("aws-prod-show-secrets"))).config[POLICY].lock;
        const database = lock.resources[AWS.database].properties;
        assert.notEqual(database.dbName, database.username, "both are \"orders\"");
        assert.notEqual(lock.resources[AWS.bucket].properties["tags.immutable"], database["tags.immutable"]);
    });

    it("prints the config to standard output without --out", async () => {
        const result = await runCommand(["lock", exportPath("kubernetes-prod-show-secrets")]);
        assert.equal(result.code, 0);
        const config = JSON.parse(result.stdout) as Config;
        assert.deepEqual(Object.keys(config[POLICY].lock.resources).sort(), [KUBERNETES.configMap, KUBERNETES.deployment, KUBERNETES.secret].sort());
    });

    it("keeps the salt and every other setting of the config it replaces the lock in", async () => {
        const dir = tempDir();
        const first = await lockTo(dir, exportPath("aws-prod-show-secrets"));
        const settings = {
            ...first.config,
            [POLICY]: { ...first.config[POLICY], enforcementLevel: "mandatory", ignoreProperties: { "aws:s3/bucket:Bucket": [{ path: "tags.team", reason: "reorgs" }] } },
            "container-image-digest-required": { allowedRegistries: ["ghcr.io/acme"] },
        };
        const configFile = writeJson(dir, "policy-config.json", settings);
        const reordered = writeJson(dir, "reordered-export.json", reorderKeys(loadExport("aws-prod-show-secrets")));
        const second = await lockTo(dir, reordered, ["--config", configFile]);
        const { settings: firstSettings, ...firstLock } = first.config[POLICY].lock;
        const { settings: secondSettings, ...secondLock } = second.config[POLICY].lock;
        assert.deepEqual(secondLock, firstLock, "same salt and key order does not matter");
        assert.deepEqual(firstSettings?.["container-image-digest-required"].allowedRegistries, []);
        assert.deepEqual(secondSettings?.["container-image-digest-required"].allowedRegistries, ["ghcr.io/acme"], "the settings are those of --config");
        assert.equal(second.config[POLICY].enforcementLevel, "mandatory");
        assert.deepEqual(second.config[POLICY].ignoreProperties, settings[POLICY].ignoreProperties);
        assert.deepEqual(second.config["container-image-digest-required"], { allowedRegistries: ["ghcr.io/acme"] });
    });

    it("reads --config as the Pulumi CLI reads --policy-pack-config and writes back what it does not use as written", async () => {
        const dir = tempDir();
        const written = {
            environments: ["acme/policy-settings"],
            all: "advisory",
            "container-image-digest-required": "disabled",
            "ecr-image-tags-immutable": {},
        };
        const { config } = await lockTo(dir, exportPath("aws-prod-show-secrets"), ["--config", writeJson(dir, "policy-config.json", written)]);
        const { [POLICY]: locked, ...rest } = config as Record<string, unknown>;
        assert.deepEqual(rest, written);
        assert.equal(Object.keys((locked as { lock: Lock }).lock.resources).length, 3);
    });

    it("takes an empty --config as no config, as the Pulumi CLI does", async () => {
        const dir = tempDir();
        const configFile = path.join(dir, "empty.json");
        fs.writeFileSync(configFile, "\n");
        const { config } = await lockTo(dir, exportPath("aws-prod-show-secrets"), ["--config", configFile]);
        assert.deepEqual(Object.keys(config), [POLICY]);
        assert.equal(Object.keys(config[POLICY].lock.resources).length, 3);
    });

    it("draws a new salt for each new lock", async () => {
        const dir = tempDir();
        const a = (await lockTo(dir, exportPath("aws-prod-show-secrets"))).config[POLICY].lock;
        const b = (await lockTo(dir, exportPath("aws-prod-show-secrets"))).config[POLICY].lock;
        assert.notEqual(a.salt, b.salt);
        assert.notEqual(a.resources[AWS.database].properties.password, b.resources[AWS.database].properties.password);
    });

    it("flags resources with the rules of --config", async () => {
        const dir = tempDir();
        const configFile = writeJson(dir, "policy-config.json", { [POLICY]: { types: ["aws:iam/role:Role"], tagKey: "locked" } });
        const { config } = await lockTo(dir, exportPath("aws-prod-show-secrets"), ["--config", configFile]);
        assert.deepEqual(Object.keys(config[POLICY].lock.resources), [AWS.role]);
        assert.deepEqual(config[POLICY].types, ["aws:iam/role:Role"]);
    });

    it("records encrypted secrets as not verifiable and says how to get a complete lock", async () => {
        const { config, stderr } = await lockTo(tempDir(), exportPath("kubernetes-prod-encrypted"));
        const lock = config[POLICY].lock;
        assert.equal(lock.secrets, "encrypted");
        assert.deepEqual(lock.resources[KUBERNETES.secret].unverifiable, { stringData: "an encrypted secret in the export" });
        assert.match(stderr, /1 input is recorded as not verifiable .* pulumi stack export --show-secrets \| immutable-guard lock -/);
    });

    it("reads a version 4 deployment, which has the same shape plus a list of features", async () => {
        const dir = tempDir();
        const document = { ...loadExport("aws-prod-show-secrets"), version: 4, features: ["refreshBeforeUpdate"] };
        const { config } = await lockTo(dir, writeJson(dir, "export-v4.json", document));
        assert.equal(Object.keys(config[POLICY].lock.resources).length, 3);
    });

    it("warns about a resource whose flag cannot be read because its tags are an encrypted secret", async () => {
        const dir = tempDir();
        const document = clone(loadExport("aws-prod-encrypted"));
        const bucket = document.deployment.resources.find((r) => r.urn === AWS.bucket && !r.delete);
        (bucket?.inputs as Record<string, unknown>).tags = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:AAAA:BBBB" };
        const { config, stderr } = await lockTo(dir, writeJson(dir, "export.json", document));
        assert.equal(config[POLICY].lock.resources[AWS.bucket], undefined);
        assert.match(stderr, new RegExp(`${escape(AWS.bucket)}: not locked, because tags is an encrypted secret or unknown`));
    });

    it("says so when nothing in the stack is flagged", async () => {
        const dir = tempDir();
        const configFile = writeJson(dir, "policy-config.json", { [POLICY]: { tagKey: "frozen" } });
        const { config, stderr } = await lockTo(dir, exportPath("aws-prod-show-secrets"), ["--config", configFile]);
        assert.deepEqual(config[POLICY].lock.resources, {});
        assert.match(stderr, /nothing is flagged immutable in this stack/);
    });

    describe("bad input: exit 2, a clear error, no file written", () => {
        const cases: [string, () => string, RegExp][] = [
            ["a file that is not JSON", () => exportPath("bad-truncated"), /bad-truncated\.json is not valid JSON/],
            ["an empty file", () => emptyFile(), /is not valid JSON \(it is empty\)/],
            ["JSON that is not an object", () => writeJson(tempDir(), "list.json", []), /is not a stack export/],
            ["a deployment of another version", () => exportPath("bad-version-1"), /deployment of version 1; this reads `pulumi stack export` output of version 3/],
            ["a checkpoint instead of an export", () => exportPath("bad-checkpoint"), /is a checkpoint file .* not a stack export; run `pulumi stack export --show-secrets`/],
            ["an empty stack", () => exportPath("bad-empty-stack"), /holds an empty stack/],
            ["`pulumi preview --json` output", () => path.join(__dirname, "fixtures", "previews", "aws-update-flagged-bucket.json"), /looks like `pulumi preview --json` output/],
            ["a file that does not exist", () => "/nonexistent/export.json", /cannot read the stack export "\/nonexistent\/export\.json" \(ENOENT\)/],
        ];
        for (const [what, source, message] of cases) {
            it(`refuses ${what}`, async () => {
                const dir = tempDir();
                const out = path.join(dir, "policy-config.json");
                const result = await runCommand(["lock", source(), "--out", out]);
                assert.equal(result.code, 2);
                assert.match(result.stderr, message);
                assert.deepEqual(fs.readdirSync(dir), [], "no file, not even a temporary one");
            });
        }

        it("leaves an existing output file as it was", async () => {
            const dir = tempDir();
            const out = writeJson(dir, "policy-config.json", { [POLICY]: { tagKey: "immutable" } });
            const before = fs.readFileSync(out, "utf8");
            assert.equal((await runCommand(["lock", exportPath("bad-checkpoint"), "--out", out])).code, 2);
            assert.equal(fs.readFileSync(out, "utf8"), before);
        });

        it("refuses a --config the pack would refuse, naming the key", async () => {
            const dir = tempDir();
            const configFile = writeJson(dir, "policy-config.json", { [POLICY]: { tagkey: "immutable" } });
            const result = await runCommand(["lock", exportPath("aws-prod-show-secrets"), "--config", configFile]);
            assert.equal(result.code, 2);
            assert.match(result.stderr, /immutable-no-in-place-update\.tagkey is not a known setting/);
        });

        it("refuses a --config whose level is not one the CLI knows, naming the policy", async () => {
            const dir = tempDir();
            const configFile = writeJson(dir, "policy-config.json", { [POLICY]: { enforcementLevel: "strict" } });
            const result = await runCommand(["lock", exportPath("aws-prod-show-secrets"), "--config", configFile]);
            assert.equal(result.code, 2);
            assert.match(result.stderr, /: "strict" is not a valid enforcementLevel for "immutable-no-in-place-update" \(advisory, mandatory, remediate, disabled\)/);
        });

        it("refuses a --config that is not JSON without quoting it", async () => {
            const dir = tempDir();
            const configFile = path.join(dir, "policy-config.json");
            fs.writeFileSync(configFile, '{"immutable-no-in-place-update": {"tagValue": "s3cr3t-value}');
            const result = await runCommand(["lock", exportPath("aws-prod-show-secrets"), "--config", configFile]);
            assert.equal(result.code, 2);
            assert.match(result.stderr, /policy-config\.json is not valid JSON/);
            assert.doesNotMatch(result.stderr, /s3cr3t/);
        });

        it("refuses a resource without a URN", async () => {
            const document = clone(loadExport("aws-prod-show-secrets")) as unknown as { deployment: { resources: Record<string, unknown>[] } };
            delete document.deployment.resources[3].urn;
            const result = await runCommand(["lock", writeJson(tempDir(), "export.json", document)]);
            assert.equal(result.code, 2);
            assert.match(result.stderr, /deployment\.resources\[3\] has no valid urn/);
        });

        it("refuses an unknown option and a missing argument", async () => {
            assert.equal((await runCommand(["lock", exportPath("aws-prod-show-secrets"), "--output", "x.json"])).code, 2);
            assert.equal((await runCommand(["lock"])).code, 2);
        });

        it("names an unknown option and points to --help, as every command does", async () => {
            const result = await runCommand(["lock", "diff", "a.json", "b.json", "--salt", "x"]);
            assert.equal(result.code, 2);
            assert.match(result.stderr, /^immutable-guard lock: Unknown option '--salt'.*; see immutable-guard --help$/m);
        });
    });

    describe("lock diff", () => {
        it("shows which resources and properties a new lock changes", async () => {
            const dir = tempDir();
            const before = await lockTo(dir, exportPath("aws-prod-show-secrets"));
            const document = clone(loadExport("aws-prod-show-secrets"));
            for (const r of document.deployment.resources) {
                const inputs = r.inputs as { tags: Record<string, string> } | undefined;
                if (r.urn === AWS.bucket && !r.delete && inputs) {
                    inputs.tags.env = "production";
                    inputs.tags.owner = "security";
                }
                if (r.urn === AWS.role && inputs) {
                    inputs.tags.immutable = "true";
                }
            }
            document.deployment.resources = document.deployment.resources.filter((r) => r.urn !== AWS.function);
            const after = await lockTo(dir, writeJson(dir, "export-2.json", document), ["--config", before.file]);
            const result = await runCommand(["lock", "diff", before.file, after.file]);
            assert.equal(result.code, 0);
            assert.match(result.stdout, new RegExp(`^\\+ ${escape(AWS.role)}  \\(newly locked\\)$`, "m"));
            assert.match(result.stdout, new RegExp(`^- ${escape(AWS.function)}  \\(no longer locked`, "m"));
            assert.match(result.stdout, new RegExp(`^~ ${escape(AWS.bucket)}\\n    ~ tags\\.env\\n    \\+ tags\\.owner$`, "m"));
            assert.match(result.stdout, /^1 added, 1 removed, 1 changed; settings: 0 weakened, 0 strengthened$/m);
        });

        it("shows the settings a new lock weakens apart from those it strengthens", async () => {
            const dir = tempDir();
            const before = await lockTo(dir, exportPath("aws-prod-show-secrets"), ["--config", writeJson(dir, "strong.json", {
                "container-image-digest-required": { allowedRegistries: ["ghcr.io/acme"] },
                "storage-object-lock-required": { minRetentionDays: 7 },
            })]);
            const changed = {
                ...before.config,
                "container-image-digest-required": { allowedRegistries: ["ghcr.io/acme", "docker.io"], exemptions: [{ urn: "*::vendor-agent", reason: "OPS-412", expires: "2026-12-31" }] },
                "iam-no-wildcard-grants": "advisory",
                "storage-object-lock-required": { minRetentionDays: 30 },
                [POLICY]: { ...before.config[POLICY], types: ["aws:rds/cluster:Cluster"] },
            };
            const after = await lockTo(dir, exportPath("aws-prod-show-secrets"), ["--config", writeJson(dir, "changed.json", changed)]);
            assert.match(after.stderr, /the new lock records 3 settings weaker than the lock it replaces \(container-image-digest-required\.allowedRegistries, container-image-digest-required\.exemptions, iam-no-wildcard-grants\.enforcementLevel\); review them with `immutable-guard lock diff`/);
            const result = await runCommand(["lock", "diff", before.file, after.file]);
            assert.equal(result.code, 0);
            const [weakened, strengthened] = result.stdout.split("settings strengthened:\n");
            assert.equal(weakened.split("\n")[0], "settings weakened (the pack enforces less: approve only on purpose):");
            assert.deepEqual(weakened.split("\n").slice(1, -1), [
                '    container-image-digest-required.allowedRegistries: ["ghcr.io/acme"] -> ["docker.io","ghcr.io/acme"] (now also allows images from "docker.io")',
                `    container-image-digest-required.exemptions: 0 exemptions -> 1 exemption (now also exempts "${(after.config[POLICY].lock.settings?.["container-image-digest-required"].exemptions as string[])[0].slice(0, 19)}…")`,
                '    iam-no-wildcard-grants.enforcementLevel: "mandatory" -> "advisory" ("advisory" enforces less than "mandatory")',
            ]);
            assert.deepEqual(strengthened.split("\n").slice(0, 2), [
                '    immutable-no-in-place-update.types: [] -> ["aws:rds/cluster:Cluster"] (now also flags the type "aws:rds/cluster:Cluster")',
                "    storage-object-lock-required.minRetentionDays: 7 -> 30 (a longer minimum retention)",
            ]);
            assert.match(result.stdout, /^0 added, 0 removed, 0 changed; settings: 3 weakened, 2 strengthened$/m);
            assert.doesNotMatch(result.stdout, /vendor-agent|OPS-412/, "exemptions are shown by digest only");
        });

        it("reads a lock made before settings were recorded, and says a new one records them", async () => {
            const dir = tempDir();
            const old = await lockTo(dir, exportPath("aws-prod-show-secrets"));
            delete old.config[POLICY].lock.settings;
            const oldFile = writeJson(dir, "old.json", old.config);
            const renewed = await lockTo(dir, exportPath("aws-prod-show-secrets"), ["--config", oldFile]);
            assert.equal(renewed.config[POLICY].lock.salt, old.config[POLICY].lock.salt, "the old lock's salt is kept");
            assert.ok(renewed.config[POLICY].lock.settings);
            const forward = await runCommand(["lock", "diff", oldFile, renewed.file]);
            assert.match(forward.stdout, /^settings: the old lock records none \(made by an earlier immutable-guard\); the new lock records them, so nothing is compared$/m);
            assert.match(forward.stdout, /^0 added, 0 removed, 0 changed$/m);
            const backward = await runCommand(["lock", "diff", renewed.file, oldFile]);
            assert.match(backward.stdout, /^settings weakened:\n    the new lock records no settings, so the pack no longer detects a config weaker than the one it was made under$/m);
        });

        it("says when two locks cannot be compared property by property", async () => {
            const dir = tempDir();
            const a = await lockTo(dir, exportPath("aws-prod-show-secrets"));
            const b = await lockTo(dir, exportPath("aws-prod-show-secrets"));
            const result = await runCommand(["lock", "diff", a.file, b.file]);
            assert.equal(result.code, 0);
            assert.match(result.stdout, /different salts/);
            assert.match(result.stdout, /0 added, 0 removed, 0 changed \(changes within resources not compared\)/);
        });

        it("refuses a file that holds no lock", async () => {
            const result = await runCommand(["lock", "diff", exportPath("aws-prod-show-secrets"), exportPath("aws-prod-show-secrets")]);
            assert.equal(result.code, 2);
            assert.match(result.stderr, /holds no lock/);
        });
    });
});

function emptyFile(): string {
    const file = path.join(tempDir(), "export.json");
    fs.writeFileSync(file, "");
    return file;
}

function escape(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
