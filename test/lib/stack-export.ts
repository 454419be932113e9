import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { buildLock } from "../../cli/lock";
import { parseStackExport } from "../../cli/stack-export";
import { readFlagRules } from "../../rules/lib/flagging";
import type { Lock } from "../../rules/lib/lock";
import type { Fixture } from "./harness";

/** A fixed salt, so tests can compare fingerprints across locks. */
const TEST_SALT = "c2FsdC1mb3ItdGVzdHMtb25seS0wMTIzNDU2Nzg5YWI";

const SIG_KEY = "4dabf18193072939515e22adb298388d";

export interface ExportDocument {
    version: number;
    deployment: {
        resources: { urn: string; type: string; inputs?: Record<string, unknown>; delete?: boolean }[];
        [key: string]: unknown;
    };
}

export function exportPath(name: string): string {
    return path.join(__dirname, "..", "fixtures", "stack-exports", `${name}.json`);
}

export function loadExport(name: string): ExportDocument {
    return JSON.parse(fs.readFileSync(exportPath(name), "utf8")) as ExportDocument;
}

/** The lock `immutable-guard lock` writes for an export fixture, with the test salt. */
export function lockOf(name: string, flagConfig: Record<string, unknown> = {}): Lock {
    const exported = parseStackExport(loadExport(name), name);
    return buildLock(exported, readFlagRules(flagConfig), TEST_SALT).lock;
}

/**
 * A stored input value as the engine sends it to Analyze: on the wire, secrets keep their envelope
 * (`{sig, value}`) and assets their signature; after the policy SDK has read it, secrets are unwrapped and
 * assets are SDK objects. Either way resource references are downgraded to their ID.
 */
function engineValue(value: unknown, form: "wire" | "sdk"): unknown {
    if (Array.isArray(value)) {
        return value.map((v) => engineValue(v, form));
    }
    if (value === null || typeof value !== "object") {
        return value;
    }
    const record = value as Record<string, unknown>;
    switch (record[SIG_KEY]) {
        case undefined:
            return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, engineValue(v, form)]));
        case "1b47061264138c4ac30d75fd1eb44270": {
            const inner = engineValue(JSON.parse(record.plaintext as string), form);
            return form === "wire" ? { [SIG_KEY]: "1b47061264138c4ac30d75fd1eb44270", value: inner } : inner;
        }
        case "0def7320c3a5731c473e5ecbe6d01bc7":
            return form === "wire" ? record : new pulumi.asset.FileArchive(record.path as string);
        case "c44067f5952c0a294b673a41bacd8c17":
            return form === "wire" ? record : new pulumi.asset.FileAsset(record.path as string);
        case "5cf8f73096256a8f31e491e813e4eb8e":
            return record.id || record.urn;
        default:
            throw new Error(`no engine form for signature ${String(record[SIG_KEY])}`);
    }
}

/** The engine leaves out top-level keys starting with `__` (SkipInternalKeys) when it calls Analyze. */
function engineInputs(inputs: Record<string, unknown>, form: "wire" | "sdk"): Record<string, unknown> {
    return Object.fromEntries(Object.entries(inputs).filter(([key]) => !key.startsWith("__")).map(([k, v]) => [k, engineValue(v, form)]));
}

function liveResource(name: string, urn: string): ExportDocument["deployment"]["resources"][number] {
    const resource = loadExport(name).deployment.resources.find((r) => r.urn === urn && !r.delete);
    if (!resource) {
        throw new Error(`${urn} is not in ${name}`);
    }
    return resource;
}

/** The inputs of a live resource of a show-secrets export fixture as the engine sends them over gRPC. */
export function wireInputs(name: string, urn: string): Record<string, unknown> {
    return engineInputs(liveResource(name, urn).inputs ?? {}, "wire");
}

/** A live resource of a show-secrets export fixture as a policy sees it at Analyze on an unchanged program. */
export function analyzed(name: string, urn: string): Fixture & { urn: string; name: string } {
    const resource = liveResource(name, urn);
    return { type: resource.type, urn, name: urn.slice(urn.lastIndexOf("::") + 2), props: engineInputs(resource.inputs ?? {}, "sdk") };
}

export const AWS = {
    bucket: "urn:pulumi:prod::shop::acme:storage:AuditArchive$aws:s3/bucket:Bucket::audit-logs",
    lockConfiguration: "urn:pulumi:prod::shop::acme:storage:AuditArchive$aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration::audit-logs-lock",
    role: "urn:pulumi:prod::shop::aws:iam/role:Role::app-role",
    database: "urn:pulumi:prod::shop::aws:rds/instance:Instance::orders-db",
    function: "urn:pulumi:prod::shop::aws:lambda/function:Function::resize",
    vpc: "urn:pulumi:prod::shop::aws:ec2/vpc:Vpc::default-vpc",
    provider: "urn:pulumi:prod::shop::pulumi:providers:aws::default_7_48_0",
};

export const KUBERNETES = {
    deployment: "urn:pulumi:prod::storefront::acme:k8s:WebService$kubernetes:apps/v1:Deployment::checkout",
    secret: "urn:pulumi:prod::storefront::acme:k8s:WebService$kubernetes:core/v1:Secret::checkout-db",
    configMap: "urn:pulumi:prod::storefront::acme:k8s:WebService$kubernetes:core/v1:ConfigMap::checkout-config",
    service: "urn:pulumi:prod::storefront::acme:k8s:WebService$kubernetes:core/v1:Service::checkout",
    namespace: "urn:pulumi:prod::storefront::kubernetes:core/v1:Namespace::storefront",
};

/** The plaintext secrets in the fixtures (fakes, set by e2e/programs/shop and storefront), which no lock or message may contain. */
export const PLAINTEXT_SECRETS = ["FAKE-orders-db-password-not-a-real-secret", "FAKE-signing-key-not-a-real-secret", "FAKE-db-password-not-a-real-secret"];
