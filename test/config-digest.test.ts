import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { configDigest, type ConfigEntry } from "../rules/lib/config-digest";
import { policies } from "../rules";

type Config = Record<string, ConfigEntry>;

const LEDGER = "urn:pulumi:prod::shop::aws:rds/instance:Instance::ledger";
const NOWHERE = path.join(os.tmpdir(), "ig-config-digest-no-such-dir");

/** A production-like config: flag rules, a lock entry, an exemption, registries. */
function prodConfig(): Config {
    return {
        "immutable-no-in-place-update": {
            enforcementLevel: "mandatory",
            properties: {
                types: ["aws:rds/instance:Instance"],
                tagKey: "immutable",
                lock: {
                    version: 1,
                    algorithm: "hmac-sha256-128",
                    salt: "PhAwzNeAHG4ae1wiFkb6jWyQPQPJ9TykCPn9pLD0Z1s",
                    stack: "prod",
                    project: "shop",
                    secrets: "all",
                    resources: {
                        [LEDGER]: {
                            type: "aws:rds/instance:Instance",
                            digest: "mrLiZd-FqZxGnmJhyYmtGg",
                            properties: { engine: "rvr7DMPiF7VkWaqxDpmrTw", instanceClass: "KjWONR8uVgA85DtSzKVgMQ", "tags.immutable": "4RBavbX53lhlFrkb1dAg4w" },
                        },
                    },
                },
            },
        },
        "container-image-digest-required": {
            enforcementLevel: "mandatory",
            properties: {
                allowedRegistries: ["123456789012.dkr.ecr.eu-west-1.amazonaws.com"],
                exemptions: [{ urn: "urn:pulumi:prod::shop::*::vendor-agent", reason: "vendor ships tags only; OPS-412", expires: "2026-12-31" }],
            },
        },
        "iam-no-wildcard-grants": { enforcementLevel: "advisory", properties: {} },
    };
}

function lockOf(config: Config): { salt: string; resources: Record<string, { properties: Record<string, string> }> } {
    return config["immutable-no-in-place-update"].properties.lock as ReturnType<typeof lockOf>;
}

function digest(config: Config, baseDir = NOWHERE): string {
    return configDigest(policies, config, baseDir);
}

function reversedKeys(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(reversedKeys);
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversedKeys(v)]));
    }
    return value;
}

describe("the config digest", () => {
    it("is sha256 of the normalized config, the same on every machine for the same config", () => {
        // A fixed value for fixed policies: a change of normalization, or anything machine- or
        // locale-dependent, shows here. (The pack's own list of policies is part of its digests.)
        const core = ["immutable-no-in-place-update", "storage-object-lock-required", "iam-no-wildcard-grants", "container-image-digest-required"];
        assert.equal(configDigest(core.map((name) => ({ name, enforcementLevel: "mandatory" })), prodConfig(), NOWHERE), "sha256:c9e0b239a24a6008d8930a0ce25600d27ac1e4cc99c09ce59608e70ce297be60");
    });

    it("does not depend on the order keys and policies are written in", () => {
        assert.equal(digest(reversedKeys(prodConfig()) as Config), digest(prodConfig()));
    });

    it("counts a policy the config leaves out at its default level, as the CLI sends it", () => {
        const everyPolicyAtDefault = Object.fromEntries(policies.map((p) => [p.name, { enforcementLevel: p.enforcementLevel ?? "mandatory", properties: {} }]));
        assert.equal(digest({}), digest(everyPolicyAtDefault));
        assert.equal(digest({ all: { enforcementLevel: "advisory", properties: {} } }), digest({}), "`all` is already applied to each policy's level");
    });

    it("changes with any change of a level, a setting, the lock or an exemption", () => {
        const changes: Record<string, (c: Config) => void> = {
            "a level lowered": (c) => (c["container-image-digest-required"].enforcementLevel = "advisory"),
            "a policy disabled": (c) => (c["iam-no-wildcard-grants"].enforcementLevel = "disabled"),
            "a flag rule added": (c) => (c["immutable-no-in-place-update"].properties.types = ["aws:rds/instance:Instance", "aws:s3/bucket:Bucket"]),
            "a flag key renamed": (c) => (c["immutable-no-in-place-update"].properties.tagKey = "Immutable"),
            "a lock fingerprint": (c) => (lockOf(c).resources[LEDGER].properties.engine = "HdGWKbwzlDXxPHvlklx_0A"),
            "the lock's salt": (c) => (lockOf(c).salt = "s3DCA1EMjIV-HyzVPX7XGg"),
            "an exemption's expiry": (c) => ((c["container-image-digest-required"].properties.exemptions as { expires: string }[])[0].expires = "2027-12-31"),
            "an exemption added": (c) => ((c["container-image-digest-required"].properties.exemptions as unknown[]).push({ urn: "*", reason: "r", expires: "2026-01-01" })),
            "a registry allowed": (c) => ((c["container-image-digest-required"].properties.allowedRegistries as string[]).push("docker.io")),
            "a list reordered": (c) => ((c["container-image-digest-required"].properties.allowedRegistries as string[]).unshift("docker.io")),
            "a default written out": (c) => (c["iam-no-wildcard-grants"].properties.clusterRoleDenyList = ["cluster-admin"]),
        };
        const seen = new Map([[digest(prodConfig()), "the base config"]]);
        for (const [what, change] of Object.entries(changes)) {
            const config = prodConfig();
            change(config);
            const d = digest(config);
            assert.ok(!seen.has(d), `${what} gives the digest of ${seen.get(d)}`);
            seen.set(d, what);
        }
    });

    it("covers the content of a lockFile, not only its name, wherever the pack is installed", () => {
        const dirs = [fs.mkdtempSync(path.join(os.tmpdir(), "ig-pack-a-")), fs.mkdtempSync(path.join(os.tmpdir(), "ig-pack-b-"))];
        try {
            const lock = JSON.stringify(prodConfig()["immutable-no-in-place-update"].properties.lock);
            for (const dir of dirs) {
                fs.mkdirSync(path.join(dir, "locks"));
                fs.writeFileSync(path.join(dir, "locks", "prod.json"), lock);
            }
            const config: Config = { "immutable-no-in-place-update": { properties: { lockFile: "locks/prod.json" } } };
            assert.equal(digest(config, dirs[0]), digest(config, dirs[1]));
            fs.writeFileSync(path.join(dirs[1], "locks", "prod.json"), lock.replace("rvr7DMPiF7VkWaqxDpmrTw", "HdGWKbwzlDXxPHvlklx_0A"));
            assert.notEqual(digest(config, dirs[0]), digest(config, dirs[1]));
            assert.notEqual(digest(config, NOWHERE), digest(config, dirs[0]), "a lock file that cannot be read is not the same config as one that can");
        } finally {
            dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
        }
    });
});
