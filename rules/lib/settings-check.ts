import { parseExemptions, whyNotInForce } from "./exemptions";
import { FLAG_RULES_POLICY } from "./flagging";
import { LOCK_COMMAND, lockOfConfig, type ParsedLock } from "./lock";
import {
    compareSettings,
    EXEMPTIONS_KEY,
    exemptionDigest,
    recordSettings,
    showSetting,
    type GuardedPolicy,
    type SettingChange,
} from "./locked-settings";
import { ConfigError, type Finding, type PackFindings, type Props } from "./policy";

/**
 * At Configure, the whole config in force is compared with the settings the lock records. The engine
 * hands each policy only its own config and skips disabled policies, so the comparison is made here,
 * once, and reported by one policy that still runs, on the stack resource. A resource policy is preferred
 * (`immutable-no-in-place-update` first): the engine analyzes the stack resource when the program registers
 * it, before any other resource, so at `pulumi up` (even with `--skip-preview`) a mandatory finding there
 * stops the update before anything changes, where a stack policy only runs after the changes are made.
 * A stack policy reports only when every resource policy is disabled.
 */

export interface CheckedPolicy extends GuardedPolicy {
    validateStack?: unknown;
}

const FIX =
    "A config may not enforce less than the lock it was reviewed with. Restore the lock's setting; or, when the weaker " +
    `setting is intended, record it in a reviewed commit: regenerate the lock with this config (\`${LOCK_COMMAND}\`) ` +
    "and show `immutable-guard lock diff` in the review.";

function reporterOf(policies: readonly CheckedPolicy[], levelOf: (p: CheckedPolicy) => string): string | undefined {
    const running = policies.filter((p) => levelOf(p) !== "disabled");
    const preferred = running.find((p) => p.name === FLAG_RULES_POLICY) ?? running.find((p) => p.validateStack === undefined) ?? running[0];
    return preferred?.name;
}

/** Exemptions in force, by digest, as messages name them: their URN glob and expiry, never more. */
function exemptionLabels(config: Readonly<Record<string, Props>>, policy: string): Map<string, string> {
    const labels = new Map<string, string>();
    for (const exemption of parseExemptions(config[policy]?.exemptions).exemptions) {
        if (whyNotInForce(exemption) === undefined) {
            labels.set(exemptionDigest(exemption), `"${exemption.urn}" until ${exemption.expires}`);
        }
    }
    return labels;
}

function weakened(change: SettingChange, lock: ParsedLock, config: Readonly<Record<string, Props>>): Finding {
    const setting = `${change.policy}.${change.key}`;
    const made = `${lock.lock.project}/${lock.lock.stack}`;
    if (change.key === EXEMPTIONS_KEY) {
        const labels = exemptionLabels(config, change.policy);
        const added = (change.now as string[]).filter((d) => !(change.locked as string[]).includes(d));
        return {
            path: "",
            message: `${setting} has ${added.length === 1 ? "an exemption" : `${added.length} exemptions`} the lock (made for ${made}) ` +
                `does not know: ${added.map((d) => labels.get(d) ?? d).join(", ")}; an exemption waives the policy. ${FIX}`,
        };
    }
    return {
        path: "",
        message: `${setting} is ${showSetting(change.now)} where the lock (made for ${made}) records ${showSetting(change.locked)}: ` +
            `${change.weaker.join("; ")}. ${FIX}`,
    };
}

function settingsFindings(policies: readonly CheckedPolicy[], config: Readonly<Record<string, Props>>, levelOf: (p: CheckedPolicy) => string): Omit<PackFindings, "reporter"> {
    let found: ParsedLock | undefined;
    try {
        found = lockOfConfig(config[FLAG_RULES_POLICY] ?? {});
    } catch (e) {
        if (!(e instanceof ConfigError)) {
            throw e;
        }
        return { findings: [{ path: "", message: `the lock cannot be read (${e.message}), so the settings it records cannot be held. Fix the ${FLAG_RULES_POLICY} config.` }] };
    }
    if (!found) {
        return { findings: [] };
    }
    const lock = found;
    const urnPrefix = `urn:pulumi:${lock.lock.stack}::${lock.lock.project}::`;
    if (!lock.lock.settings) {
        return {
            urnPrefix,
            findings: [{
                path: "",
                advisory: true,
                message: "the lock records no settings (it was made by an earlier immutable-guard), so a config weaker than " +
                    `the one it was made under is not detected. Regenerate it to record them: \`${LOCK_COMMAND}\`.`,
            }],
        };
    }
    const now = recordSettings(policies, config, levelOf, { exemptionsInForceOnly: true });
    const findings = compareSettings(policies, lock.lock.settings, now)
        .filter((change) => change.weaker.length > 0)
        .map((change) => weakened(change, lock, config));
    return { urnPrefix, findings };
}

/**
 * What the config in force weakens compared with the lock, and which policy reports it. `levels` are the
 * levels Configure set; a policy without one runs at its default, as the engine runs it.
 */
export function checkLockedSettings(policies: readonly CheckedPolicy[], config: Readonly<Record<string, Props>>, levels: ReadonlyMap<string, string>): PackFindings {
    const levelOf = (p: CheckedPolicy) => levels.get(p.name) ?? p.enforcementLevel ?? "advisory";
    const reporter = reporterOf(policies, levelOf);
    try {
        return { reporter, ...settingsFindings(policies, config, levelOf) };
    } catch (e) {
        // Only the error's kind: a message could quote config values.
        const kind = e instanceof Error ? e.name : typeof e;
        return { reporter, findings: [{ path: "", message: `the settings the lock records could not be compared with the config in force (${kind}); reported rather than passed.` }] };
    }
}
