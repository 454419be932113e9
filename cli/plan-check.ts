import { readIgnoredProperties } from "../rules/immutable-no-in-place-update";
import { findExemption, parseExemptions } from "../rules/lib/exemptions";
import { FLAG_RULES_POLICY, flagOf, readFlagRules, type FlagRules, type FlagVerdict } from "../rules/lib/flagging";
import { isJsonObject } from "../rules/lib/json-property";
import { urnParts } from "../rules/lib/lock";
import type { Props } from "../rules/lib/policy";
import { isAtOrBelow, parsePath } from "../rules/lib/property-path";
import { parseJson, readInput } from "./input";
import { EXIT_OK, EXIT_VIOLATION, parseCommandLine, UsageError } from "./command-line";
import { fromConfig, readValidPolicyPackConfig } from "./policy-config";

/**
 * `immutable-guard plan-check <preview.json|-> [--config file]`: the engine's own plan is exact where the
 * pack only has a baseline. Reads `pulumi preview --json` (`display.PreviewDigest`, pkg/display/json.go)
 * and fails every step whose `op` is `update` on a resource flagged in its old or new state, as a
 * CloudFormation stack policy denying `Update:Modify` and allowing `Update:Replace` would.
 */

interface StepState {
    type?: string;
    custom?: boolean;
    inputs?: Props;
}

interface PreviewStep {
    op: string;
    urn: string;
    oldState?: StepState;
    newState?: StepState;
    diffReasons?: string[];
    detailedDiff?: Record<string, { kind?: string }> | null;
}

const DIGEST_KEYS = ["steps", "changeSummary", "duration", "config", "diagnostics"];

function readSteps(document: unknown, source: string): PreviewStep[] {
    if (!isJsonObject(document)) {
        throw new UsageError(`${source} is not \`pulumi preview --json\` output: expected a JSON object`);
    }
    if (document.deployment !== undefined) {
        throw new UsageError(`${source} is a stack export, not \`pulumi preview --json\` output (stack exports are for \`immutable-guard lock\`)`);
    }
    if (!DIGEST_KEYS.some((key) => key in document)) {
        throw new UsageError(`${source} is not \`pulumi preview --json\` output: it has none of ${DIGEST_KEYS.join(", ")}`);
    }
    const steps = document.steps ?? [];
    if (!Array.isArray(steps)) {
        throw new UsageError(`${source}: steps must be a list`);
    }
    return steps.map((step: unknown, i: number) => {
        if (!isJsonObject(step) || typeof step.op !== "string" || typeof step.urn !== "string") {
            throw new UsageError(`${source}: steps[${i}] has no op and urn`);
        }
        for (const key of ["oldState", "newState"] as const) {
            const state = step[key];
            if (state !== undefined && state !== null && (!isJsonObject(state) || (state.inputs !== undefined && state.inputs !== null && !isJsonObject(state.inputs)))) {
                throw new UsageError(`${source}: steps[${i}].${key} is not a resource state`);
            }
        }
        return step as unknown as PreviewStep;
    });
}

function flagIn(step: PreviewStep, state: StepState | undefined, rules: FlagRules): FlagVerdict {
    if (!state) {
        return { flagged: false };
    }
    const type = state.type ?? urnParts(step.urn)?.type ?? "";
    return flagOf({ type, urn: step.urn, props: state.inputs ?? {} }, rules);
}

/** The property paths an update touches: its detailed diff when the provider gave one, else its diff reasons. */
function touchedPaths(step: PreviewStep): string[] {
    const detailed = Object.keys(step.detailedDiff ?? {});
    return (detailed.length > 0 ? detailed : step.diffReasons ?? []).slice().sort();
}

export async function run(args: string[]): Promise<number> {
    const { values, positionals } = parseCommandLine(args, { config: { type: "string", short: "c" } });
    if (positionals.length !== 1) {
        throw new UsageError("expected one file (or - for standard input): immutable-guard plan-check <preview.json> [--config file]");
    }
    const [source] = positionals;
    const settings = values.config !== undefined ? readValidPolicyPackConfig(values.config).config[FLAG_RULES_POLICY]?.properties ?? {} : {};
    const { rules, ignore } = fromConfig(`--config ${values.config}: ${FLAG_RULES_POLICY}.`, () =>
        ({ rules: readFlagRules(settings), ignore: readIgnoredProperties(settings.ignoreProperties) }));
    const { exemptions } = parseExemptions(settings.exemptions);
    const what = source === "-" ? "standard input" : source;
    const steps = readSteps(parseJson(readInput(source, "the preview"), what), what);

    const blocked: string[] = [];
    const notes: string[] = [];
    for (const step of steps) {
        // The engine gives a component whose inputs changed an `update` step too; it changes nothing itself,
        // the steps of its children do.
        if (step.op !== "update" || (step.newState ?? step.oldState)?.custom === false) {
            continue;
        }
        const before = flagIn(step, step.oldState, rules);
        const after = flagIn(step, step.newState, rules);
        const type = step.newState?.type ?? step.oldState?.type ?? urnParts(step.urn)?.type ?? "";
        if (before.flagged !== true && after.flagged !== true) {
            if (after.flagged === "unknown") {
                notes.push(`${step.urn}: passed; its old state is not flagged and whether the update flags it is not known (${after.path} is unknown)`);
            }
            continue;
        }
        const why = before.flagged === true ? `${before.why} in its old state` : after.flagged === true ? `${after.why} in its new state` : "";
        const verdict = exemptions.length > 0 ? findExemption(exemptions, step.urn) : { kind: "none" as const };
        if (verdict.kind === "applies") {
            notes.push(`${step.urn}: in-place update allowed by exemption "${verdict.exemption.urn}" until ${verdict.exemption.expires} (reason: ${verdict.exemption.reason})`);
            continue;
        }
        if (verdict.kind === "ignored") {
            notes.push(`${step.urn}: exemption "${verdict.exemption.urn}" does not apply because ${verdict.why}`);
        }
        const ignored = ignore.get(type) ?? [];
        const paths = touchedPaths(step);
        const reasons = new Set<string>();
        if (paths.length > 0 && paths.every((p) => {
            const segments = parsePath(p);
            const matched = segments ? ignored.filter((i) => isAtOrBelow(i.pattern, segments)) : [];
            matched.forEach((i) => reasons.add(i.reason));
            return matched.length > 0;
        })) {
            notes.push(`${step.urn}: passed; the update touches only properties ignored for ${type} (${paths.join(", ")}; reason: ${[...reasons].join("; ")})`);
            continue;
        }
        const properties = paths.map((p) => (step.detailedDiff?.[p] ? `${p} (${step.detailedDiff[p].kind ?? "update"})` : p));
        blocked.push([
            `✗ update ${step.urn}`,
            `    flagged immutable: ${why}`,
            `    touches: ${properties.length > 0 ? properties.join(", ") : "(the preview names no properties)"}`,
            `    replace instead: \`pulumi up --replace '${step.urn}'\`, or set \`replaceOnChanges: ["*"]\` in its resource options,`,
            "    or give it a new logical name; then regenerate the lock (`immutable-guard lock`) after the deployment.",
        ].join("\n"));
    }
    const updates = steps.filter((s) => s.op === "update" && (s.newState ?? s.oldState)?.custom !== false).length;
    const out: string[] = [];
    if (blocked.length > 0) {
        out.push(`immutable-guard plan-check: ${blocked.length} in-place update${blocked.length === 1 ? "" : "s"} of flagged resources blocked`, ...blocked);
    } else {
        out.push(`immutable-guard plan-check: no in-place update of a flagged resource (${steps.length} steps, ${updates} update${updates === 1 ? "" : "s"})`);
    }
    out.push(...notes.map((n) => `note: ${n}`));
    process.stdout.write(`${out.join("\n")}\n`);
    return blocked.length > 0 ? EXIT_VIOLATION : EXIT_OK;
}
