import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { policies } from "../rules";
import { UNKNOWN_STRING } from "../rules/lib/unknowns";
import { mandatory, runResourcePolicy, type Fixture, type Reported } from "./lib/harness";

const resourcePolicies = policies.filter((p): p is typeof p & ResourceValidationPolicy => "validateResource" in p);

function fixtures(): Array<{ file: string; fixture: Fixture }> {
    const out: Array<{ file: string; fixture: Fixture }> = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const file = path.join(dir, entry.name);
            if (entry.isDirectory()) {
                walk(file);
                continue;
            }
            try {
                const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<Fixture>;
                if (typeof parsed.type === "string" && parsed.props && typeof parsed.props === "object" && !Array.isArray(parsed.props)) {
                    out.push({ file: path.relative(path.join(__dirname, "fixtures"), file), fixture: parsed as Fixture });
                }
            } catch {
                // deliberately broken inputs of the command-line tests
            }
        }
    };
    walk(path.join(__dirname, "fixtures"));
    return out;
}

/** Every path of a property bag, with a copy of the bag in which that value is unknown. */
function* withOneUnknown(props: Record<string, unknown>): Iterable<{ path: string; props: Record<string, unknown> }> {
    function* visit(value: unknown, trail: Array<string | number>): Iterable<Array<string | number>> {
        if (trail.length > 0) {
            yield trail;
        }
        if (value !== null && typeof value === "object") {
            for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
                yield* visit(child, [...trail, Array.isArray(value) ? Number(key) : key]);
            }
        }
    }
    for (const trail of visit(props, [])) {
        const copy = JSON.parse(JSON.stringify(props)) as Record<string, unknown>;
        let node = copy as Record<string | number, unknown>;
        for (const key of trail.slice(0, -1)) {
            node = node[key] as Record<string | number, unknown>;
        }
        node[trail[trail.length - 1]] = UNKNOWN_STRING;
        yield { path: trail.join("."), props: copy };
    }
}

const describeAll = (reported: Reported[]) => reported.map((r) => `[${r.level}] ${r.message}`).join("\n");

describe("a value unknown at preview, in every property of every fixture", function () {
    this.timeout(300000);
    const all = fixtures();

    it("covers the fixtures of every policy", () => {
        assert.ok(all.length >= 70, `${all.length} fixtures`);
    });

    it("never turns a finding into a silent pass: a precise verdict or an advisory remains", async () => {
        let checked = 0;
        const silent: string[] = [];
        for (const { file, fixture } of all) {
            for (const policy of resourcePolicies) {
                const original = mandatory(await runResourcePolicy(policy, fixture));
                if (original.length === 0) {
                    continue;
                }
                for (const variant of withOneUnknown(fixture.props)) {
                    const reported = await runResourcePolicy(policy, { ...fixture, props: variant.props });
                    checked++;
                    if (reported.length === 0) {
                        silent.push(`${policy.name} passed ${file} silently with ${variant.path} unknown`);
                    }
                }
            }
        }
        assert.deepEqual(silent, []);
        assert.ok(checked > 300, `${checked} variants checked`);
    });

    it("never blocks a compliant resource because a value is not known yet", async () => {
        for (const { file, fixture } of all) {
            for (const policy of resourcePolicies) {
                if ((await runResourcePolicy(policy, fixture)).length > 0) {
                    continue;
                }
                for (const variant of withOneUnknown(fixture.props)) {
                    const blocked = mandatory(await runResourcePolicy(policy, { ...fixture, props: variant.props }));
                    assert.deepEqual(blocked, [], `${policy.name} blocked ${file} with ${variant.path} unknown:\n${describeAll(blocked)}`);
                }
            }
        }
    });
});
