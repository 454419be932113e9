import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import { AnalyzerService } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { toDiagnostics, type ReturnedDiagnostic } from "../cli/analyzer-client";

/**
 * The baseline: the smallest useful pack, one trivial resource policy, in plain JavaScript with
 * package.json `main` pointing at it. Its node_modules is a link to the measured pack's, so both
 * run the same `@pulumi/policy`, `@pulumi/pulumi` and `run-policy-pack`.
 */
const BASELINE_INDEX = `"use strict";
const { PolicyPack } = require("@pulumi/policy");
new PolicyPack("baseline", {
    policies: [{
        name: "no-forbidden-flag",
        description: "A resource must not set forbidden: true.",
        enforcementLevel: "mandatory",
        validateResource: (args, reportViolation) => {
            if (args.props.forbidden === true) {
                reportViolation("forbidden is set");
            }
        },
    }],
});
`;

export const EMPTY_PACK_NAME = "empty";

const EMPTY_INDEX = `"use strict";
const { PolicyPack } = require("@pulumi/policy");
new PolicyPack("${EMPTY_PACK_NAME}", { policies: [] });
`;

/** A temporary pack directory that is removed after the run. */
export interface TempPack {
    dir: string;
    remove(): void;
}

function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function linkNodeModules(dir: string, nodeModules: string): void {
    fs.symlinkSync(nodeModules, path.join(dir, "node_modules"), "dir");
}

/** A precompiled JavaScript pack in a temporary directory, on the measured pack's node_modules. */
function createJavaScriptPack(name: string, description: string, index: string, nodeModules: string): TempPack {
    const dir = tempDir(`ig-bench-${name}-`);
    fs.writeFileSync(path.join(dir, "PulumiPolicy.yaml"), `runtime: nodejs\ndescription: ${description}\n`);
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, version: "1.0.0", main: "index.js" }, null, 2));
    fs.writeFileSync(path.join(dir, "index.js"), index);
    linkNodeModules(dir, nodeModules);
    return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function createBaselinePack(nodeModules: string): TempPack {
    return createJavaScriptPack("baseline", "Benchmark baseline with one trivial policy.", BASELINE_INDEX, nodeModules);
}

/**
 * A pack with no policies, for `pulumi preview`: what any Node.js pack costs a preview (the
 * language host starting `run-policy-pack`, the SDK loading, the engine's Analyze calls), so that
 * what immutable-guard adds on top is its own.
 */
export function createEmptyPack(nodeModules: string): TempPack {
    return createJavaScriptPack(EMPTY_PACK_NAME, "Benchmark pack with no policies.", EMPTY_INDEX, nodeModules);
}

/**
 * The measured pack's published files in a temporary directory whose node_modules is a link,
 * exactly like the baseline: comparing it with the pack in place shows what the link costs.
 */
export function createLinkedCopy(packDir: string): TempPack {
    const dir = tempDir("ig-bench-linked-");
    for (const entry of ["bin", "package.json", "PulumiPolicy.yaml", "tsconfig.json"]) {
        const from = path.join(packDir, entry);
        if (fs.existsSync(from)) {
            fs.cpSync(from, path.join(dir, entry), { recursive: true });
        }
    }
    linkNodeModules(dir, path.join(packDir, "node_modules"));
    return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Peak resident set size of a process so far, in MiB (Linux). */
export function peakRssMb(pid: number): number {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    if (!kb) {
        throw new Error(`no VmHWM in /proc/${pid}/status`);
    }
    return Number(kb[1]) / 1024;
}

/** Resident set size now, in MiB (Linux). */
export function rssMb(pid: number): number {
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return kb ? Number(kb[1]) / 1024 : NaN;
}

/**
 * Sends requests serialized in advance, so a timing covers what the pack does (decode, policies,
 * reply) and the transport, not how long this process takes to build a request: the real engine
 * is a Go process whose encoding cost is not the pack's.
 */
export class RawAnalyzer {
    private readonly client: grpc.Client;

    constructor(port: number) {
        this.client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
            "grpc.max_receive_message_length": 400 * 1024 * 1024,
            "grpc.max_send_message_length": 400 * 1024 * 1024,
        });
    }

    call(method: "analyze" | "analyzeStack" | "configure", request: Uint8Array, timeoutMs = 300000): Promise<Buffer> {
        const { path: rpcPath } = AnalyzerService[method];
        return new Promise((resolve, reject) => {
            this.client.makeUnaryRequest<Buffer, Buffer>(
                rpcPath,
                (bytes) => bytes,
                (bytes) => bytes,
                Buffer.from(request.buffer, request.byteOffset, request.byteLength),
                { deadline: new Date(Date.now() + timeoutMs) },
                (error, response) => (error ? reject(error) : resolve(response!)),
            );
        });
    }

    /** Times one call in milliseconds and decodes the diagnostics it returned. */
    async timed(method: "analyze" | "analyzeStack", request: Uint8Array): Promise<{ ms: number; diagnostics: ReturnedDiagnostic[] }> {
        const began = process.hrtime.bigint();
        const response = await this.call(method, request);
        const ms = Number(process.hrtime.bigint() - began) / 1e6;
        return { ms, diagnostics: toDiagnostics(analyzerpb.AnalyzeResponse.deserializeBinary(response)) };
    }

    close(): void {
        this.client.close();
    }
}
