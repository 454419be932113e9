import * as pulumi from "@pulumi/pulumi";
import type { Fixture } from "./harness";

/**
 * Runs a Pulumi program with mocked providers and returns its resources with the inputs the program
 * registered, which is what a mocked run sends to Analyze (no provider Check, so no defaults or autonames).
 */
export async function registeredWithMocks(program: string, project: string, stack: string, expected: number): Promise<Fixture[]> {
    const registered: Fixture[] = [];
    await pulumi.runtime.setMocks({
        newResource: (args) => {
            registered.push({ type: args.type, name: args.name, urn: `urn:pulumi:${stack}::${project}::${args.type}::${args.name}`, props: args.inputs });
            return { id: `${args.name}-id`, state: args.inputs };
        },
        call: (args) => args.inputs,
    }, project, stack, true);
    require(program);
    // Registrations finish as the program's outputs resolve; wait for them rather than for a fixed time.
    for (let tick = 0; registered.length < expected && tick < 5000; tick++) {
        await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return registered;
}
