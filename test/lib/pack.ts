import * as path from "path";
import { PolicyPackProcess, type AnalyzedResource } from "../../cli/analyzer-client";
import { fixture } from "./fixtures";
import { urnOf } from "./harness";

/** The pack's own directory, which the Pulumi CLI hands to `run-policy-pack`. */
export const PACK_DIR = path.resolve(__dirname, "..", "..");

/**
 * One pack process for the calling suite (call it inside `describe`), because starting one takes
 * seconds: started as the Pulumi CLI starts it before the suite's first test, handed to `started`,
 * and stopped after the suite's last test.
 */
export function packPerSuite(started: (pack: PolicyPackProcess) => unknown, options?: Parameters<typeof PolicyPackProcess.start>[1]): void {
    let pack: PolicyPackProcess | undefined;
    before(async () => {
        pack = await PolicyPackProcess.start(PACK_DIR, options);
        await started(pack);
    });
    after(async () => {
        await pack?.stop();
    });
}

/** A policy's fixture as the engine sends it to Analyze. */
export function analyzedFixture(policy: string, name: string, overrides: Partial<AnalyzedResource> = {}): AnalyzedResource {
    const f = fixture(policy, name);
    const resourceName = f.name ?? name;
    return { type: f.type, name: resourceName, urn: urnOf(f.type, resourceName), properties: f.props, ...overrides };
}
