import { strict as assert } from "assert";
import * as fs from "fs";
import type { AnalyzedResource, PolicyPackProcess } from "../../cli/analyzer-client";
import { urnOf } from "../lib/harness";
import { DIGEST } from "../lib/fixtures";
import { packPerSuite } from "../lib/pack";

function deployment(i: number, pinned: boolean): AnalyzedResource {
    const name = `svc-${i}`;
    const image = pinned ? `ghcr.io/acme/svc-${i}@sha256:${DIGEST}` : `ghcr.io/acme/svc-${i}:1.${i}`;
    return {
        type: "kubernetes:apps/v1:Deployment",
        name,
        urn: urnOf("kubernetes:apps/v1:Deployment", name),
        properties: { metadata: { name }, spec: { template: { spec: { containers: [{ name: "app", image }] } } } },
    };
}

function peakRssKb(pid: number): number {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

describe("the pack under concurrent load", function () {
    this.timeout(300000);
    let pack: PolicyPackProcess;
    packPerSuite(async (started) => {
        pack = started;
        await pack.configure({});
    });

    it("answers 600 concurrent Analyze calls correctly while a 5,000-resource AnalyzeStack runs", async () => {
        const stack = Array.from({ length: 5000 }, (_, i) => deployment(i, i % 2 === 0));
        const stackRun = pack.analyzeStack(stack);
        const singles = Array.from({ length: 600 }, (_, i) => {
            const pinned = i % 3 !== 0;
            return pack.analyze(deployment(i, pinned)).then((diagnostics) => ({ i, pinned, diagnostics }));
        });
        const results = await Promise.all(singles);
        for (const { i, pinned, diagnostics } of results) {
            if (pinned) {
                assert.deepEqual(diagnostics, [], `svc-${i} is pinned`);
            } else {
                assert.equal(diagnostics.length, 1, `svc-${i} has one tagged image`);
                assert.match(diagnostics[0].message, new RegExp(`of svc-${i} \\(`));
            }
        }
        const stackDiagnostics = await stackRun;
        assert.ok(stackDiagnostics.every((d) => d.policyName.endsWith("-stack")));
        assert.equal(pack.child.exitCode, null, "the pack is still serving");
        assert.equal((await pack.analyze(deployment(1, false))).length, 1, "and still answers afterwards");
    });

    it("keeps its memory bounded", () => {
        const peakMb = peakRssKb(pack.child.pid ?? 0) / 1024;
        assert.ok(peakMb > 0 && peakMb < 1536, `peak RSS ${peakMb.toFixed(0)} MB`);
    });
});
