import * as fs from "fs";
import * as path from "path";
import { FINGERPRINT_ALGORITHM, Fingerprinter, newSalt } from "../rules/lib/fingerprint";
import { DEFAULT_FLAG_RULES, FLAG_RULES_POLICY, flagOf, readFlagRules, type FlagRules } from "../rules/lib/flagging";
import { LOCK_COMMAND, LOCK_VERSION, lockEntry, lockIn, Opaque, readLock, SecretValue, sortedRecord, type Lock, type LockEntry, type ParsedLock } from "../rules/lib/lock";
import type { Props } from "../rules/lib/policy";
import { compareSettings, EXEMPTIONS_KEY, recordSettings, showSetting, type LockedSettings, type SettingChange } from "../rules/lib/locked-settings";
import { UNKNOWN_STRING } from "../rules/lib/unknowns";
import { policies } from "../rules";
import { parseJson, readInput } from "./input";
import { EXIT_OK, parseCommandLine, UsageError } from "./command-line";
import { fromConfig, readValidPolicyPackConfig, type PackConfig } from "./policy-config";
import { parseStackExport, type StackExport } from "./stack-export";

/**
 * `immutable-guard lock <stack-export.json|-> [--out file] [--config file]` writes a policy-pack config
 * holding the lock of every flagged resource and the settings of every policy under that config;
 * `immutable-guard lock diff <old> <new>` shows what a new lock changes, settings weakened apart, for review.
 */

// Secrets count as their values for flagging; values nobody can read count as unknown.
function forFlagging(value: unknown): unknown {
    if (value instanceof SecretValue) {
        return forFlagging(value.value);
    }
    if (value instanceof Opaque) {
        return UNKNOWN_STRING;
    }
    if (Array.isArray(value)) {
        return value.map(forFlagging);
    }
    if (value !== null && typeof value === "object") {
        const out: Props = {};
        for (const [key, member] of Object.entries(value)) {
            out[key] = forFlagging(member);
        }
        return out;
    }
    return value;
}

function configured(config: PackConfig | undefined, file: string | undefined): { rules: FlagRules; previous?: ParsedLock } {
    if (!config) {
        return { rules: DEFAULT_FLAG_RULES };
    }
    const settings = config[FLAG_RULES_POLICY]?.properties ?? {};
    return fromConfig(`--config ${file}: ${FLAG_RULES_POLICY}.`, () =>
        ({ rules: readFlagRules(settings), previous: settings.lock !== undefined ? readLock(settings.lock) : undefined }));
}

/** Writes next to the target and renames, so a failure never leaves a partial file. */
function writeAtomically(file: string, text: string): void {
    const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
    try {
        fs.writeFileSync(temporary, text);
        fs.renameSync(temporary, file);
    } catch (e) {
        fs.rmSync(temporary, { force: true });
        throw new UsageError(`cannot write ${JSON.stringify(file)} (${(e as NodeJS.ErrnoException).code ?? "error"})`);
    }
}

/**
 * The settings of every policy under a config as the Pulumi CLI reconciles it for Configure: a policy's
 * level is its own entry's, else `all`'s, else its default; absent settings are their defaults.
 */
export function settingsUnder(config: PackConfig | undefined): LockedSettings {
    const given = config ?? {};
    const properties = Object.fromEntries(Object.entries(given).map(([name, entry]) => [name, entry.properties]));
    return recordSettings(policies, properties, (p) => given[p.name]?.enforcementLevel ?? given.all?.enforcementLevel ?? p.enforcementLevel ?? "advisory");
}

/** The lock of every flagged resource the program manages in an exported stack, with the settings it is made under. */
export function buildLock(exported: StackExport, rules: FlagRules, salt: string, settings?: LockedSettings): { lock: Lock; warnings: string[]; unverifiable: number } {
    const fingerprints = new Fingerprinter(salt);
    const resources: Record<string, LockEntry> = {};
    const warnings: string[] = [];
    let unverifiable = 0;
    for (const resource of exported.resources) {
        if (!resource.managed) {
            continue;
        }
        const flag = flagOf({ type: resource.type, urn: resource.urn, props: forFlagging(resource.inputs) as Props }, rules);
        if (flag.flagged === "unknown") {
            warnings.push(`${resource.urn}: not locked, because ${flag.path} is an encrypted secret or unknown, so whether it is flagged cannot be read`);
        }
        if (flag.flagged !== true) {
            continue;
        }
        const entry = lockEntry(resource, resource.inputs, fingerprints);
        unverifiable += Object.keys(entry.unverifiable ?? {}).length;
        resources[resource.urn] = entry;
    }
    const lock: Lock = {
        version: LOCK_VERSION,
        algorithm: FINGERPRINT_ALGORITHM,
        salt,
        stack: exported.stack,
        project: exported.project,
        secrets: exported.secrets,
        ...(settings ? { settings } : {}),
        resources: sortedRecord(resources),
    };
    return { lock, warnings, unverifiable };
}

async function makeLock(args: string[]): Promise<number> {
    const { values, positionals } = parseCommandLine(args, { out: { type: "string", short: "o" }, config: { type: "string", short: "c" } });
    if (positionals.length !== 1) {
        throw new UsageError("expected one stack export file (or - for standard input): immutable-guard lock <stack-export.json> [--out file] [--config file]");
    }
    const [source] = positionals;
    const given = values.config !== undefined ? readValidPolicyPackConfig(values.config) : undefined;
    const { rules, previous } = configured(given?.config, values.config);
    const what = source === "-" ? "standard input" : source;
    const exported = parseStackExport(parseJson(readInput(source, "the stack export"), what), what);

    // Keeping the salt of the lock being replaced keeps unchanged fingerprints unchanged, so `lock diff` can compare.
    const { lock, warnings, unverifiable } = buildLock(exported, rules, previous?.lock.salt ?? newSalt(), settingsUnder(given?.config));
    const output: Props = { ...given?.document };
    const existing = output[FLAG_RULES_POLICY];
    const settings: Props = existing !== null && typeof existing === "object" ? { ...(existing as Props) }
        : typeof existing === "string" ? { enforcementLevel: existing } : {};
    output[FLAG_RULES_POLICY] = { ...settings, lock };
    const text = `${JSON.stringify(output, null, 2)}\n`;

    if (values.out !== undefined) {
        writeAtomically(values.out, text);
    } else {
        process.stdout.write(text);
    }
    const locked = Object.keys(lock.resources).length;
    const notes = [`immutable-guard lock: locked ${locked} flagged resource${locked === 1 ? "" : "s"} of ${exported.project}/${exported.stack}` +
        (values.out !== undefined ? ` into ${values.out}` : "")];
    if (locked === 0) {
        notes.push("nothing is flagged immutable in this stack: tag or label resources `immutable: \"true\"`, or pass a --config that lists `types` or `urns`");
    }
    if (unverifiable > 0 && exported.secrets === "encrypted") {
        notes.push(`${unverifiable} input${unverifiable === 1 ? " is" : "s are"} recorded as not verifiable (encrypted secrets, assets); for a complete lock run: ${LOCK_COMMAND}`);
    }
    if (exported.pendingOperations > 0) {
        notes.push(`the export lists ${exported.pendingOperations} pending operation(s) of an interrupted update; its state may not match the cloud (run \`pulumi refresh\` and export again)`);
    }
    const weaker = previous?.lock.settings && lock.settings ? weakerSettings(previous.lock.settings, lock.settings) : [];
    if (weaker.length > 0) {
        notes.push(`the new lock records ${weaker.length} setting${weaker.length === 1 ? "" : "s"} weaker than the lock it replaces ` +
            `(${weaker.map((c) => `${c.policy}.${c.key}`).join(", ")}); review them with \`immutable-guard lock diff\``);
    }
    if (settings.lockFile !== undefined) {
        notes.push(`the config also names lockFile ${JSON.stringify(settings.lockFile)}; the inline lock written here takes precedence`);
    }
    process.stderr.write([...notes, ...warnings].map((n) => `${n}\n`).join(""));
    return EXIT_OK;
}

// ---------------------------------------------------------------------------------------------

function readLockDocument(file: string): ParsedLock {
    const raw = lockIn(parseJson(readInput(file, "the lock"), file));
    if (raw === undefined) {
        throw new UsageError(`${file} holds no lock (expected the output of \`immutable-guard lock\`)`);
    }
    return fromConfig("", () => readLock(raw, `${file}: lock`));
}

function weakerSettings(before: LockedSettings, after: LockedSettings): SettingChange[] {
    return compareSettings(policies, before, after).filter((c) => c.weaker.length > 0);
}

// Exemptions are recorded as digests; a count and the digests' first hex digits are enough to tell them apart.
function shownValue(change: SettingChange, value: SettingChange["locked"]): string {
    return change.key === EXEMPTIONS_KEY && Array.isArray(value) ? `${value.length} exemption${value.length === 1 ? "" : "s"}` : showSetting(value);
}

function settingLine(change: SettingChange, items: readonly string[]): string {
    const shortened = items.map((item) => item.replace(/(sha256:[0-9a-f]{12})[0-9a-f]{52}/g, "$1…"));
    return `    ${change.policy}.${change.key}: ${shownValue(change, change.locked)} -> ${shownValue(change, change.now)} (${shortened.join("; ")})`;
}

/** The settings part of `lock diff`: what the new lock weakens, then what it strengthens, never mixed. */
function settingsDiff(before: Lock, after: Lock): { lines: string[]; summary: string } {
    if (!after.settings) {
        return before.settings
            ? { lines: ["settings weakened:", "    the new lock records no settings, so the pack no longer detects a config weaker than the one it was made under"], summary: "; settings: 1 weakened, 0 strengthened" }
            : { lines: [], summary: "" };
    }
    if (!before.settings) {
        return { lines: ["settings: the old lock records none (made by an earlier immutable-guard); the new lock records them, so nothing is compared"], summary: "" };
    }
    const changes = compareSettings(policies, before.settings, after.settings);
    const weakened = changes.filter((c) => c.weaker.length > 0);
    const strengthened = changes.filter((c) => c.stronger.length > 0);
    const lines: string[] = [];
    if (weakened.length > 0) {
        lines.push("settings weakened (the pack enforces less: approve only on purpose):", ...weakened.map((c) => settingLine(c, c.weaker)));
    }
    if (strengthened.length > 0) {
        lines.push("settings strengthened:", ...strengthened.map((c) => settingLine(c, c.stronger)));
    }
    return { lines, summary: `; settings: ${weakened.length} weakened, ${strengthened.length} strengthened` };
}

function changedPaths(before: LockEntry, after: LockEntry): string[] {
    const lines: string[] = [];
    const paths = new Set([...Object.keys(before.properties), ...Object.keys(after.properties)]);
    for (const p of [...paths].sort()) {
        const a = before.properties[p];
        const b = after.properties[p];
        if (a === undefined) {
            lines.push(`    + ${p}`);
        } else if (b === undefined) {
            lines.push(`    - ${p}`);
        } else if (a !== b) {
            lines.push(`    ~ ${p}`);
        }
    }
    const beforeUnverifiable = new Set(Object.keys(before.unverifiable ?? {}));
    const afterUnverifiable = new Set(Object.keys(after.unverifiable ?? {}));
    for (const p of [...new Set([...beforeUnverifiable, ...afterUnverifiable])].sort()) {
        if (!beforeUnverifiable.has(p)) {
            lines.push(`    ? ${p} (now not verifiable: ${after.unverifiable?.[p]})`);
        } else if (!afterUnverifiable.has(p)) {
            lines.push(`    ? ${p} (now verifiable)`);
        }
    }
    return lines;
}

async function diffLocks(args: string[]): Promise<number> {
    const { positionals } = parseCommandLine(args, {});
    if (positionals.length !== 2) {
        throw new UsageError("expected two locks: immutable-guard lock diff <old> <new>");
    }
    const [oldFile, newFile] = positionals;
    const before = readLockDocument(oldFile);
    const after = readLockDocument(newFile);
    const out: string[] = [];
    const sameSalt = before.lock.salt === after.lock.salt;
    if (before.lock.stack !== after.lock.stack || before.lock.project !== after.lock.project) {
        out.push(`the locks are of different stacks: ${before.lock.project}/${before.lock.stack} and ${after.lock.project}/${after.lock.stack}`);
    }
    if (!sameSalt) {
        out.push("the locks use different salts, so their fingerprints cannot be compared: only added and removed resources are shown. " +
            "Make the new lock with --config <old lock> to keep the salt.");
    }
    if (before.lock.secrets !== after.lock.secrets) {
        out.push(`secrets: ${before.lock.secrets} -> ${after.lock.secrets}`);
    }
    const settings = settingsDiff(before.lock, after.lock);
    out.push(...settings.lines);
    const counts = { added: 0, removed: 0, changed: 0 };
    const urns = [...new Set([...before.entries.keys(), ...after.entries.keys()])].sort();
    for (const urn of urns) {
        const a = before.entries.get(urn);
        const b = after.entries.get(urn);
        if (!a && b) {
            counts.added++;
            out.push(`+ ${urn}  (newly locked)`);
        } else if (a && !b) {
            counts.removed++;
            out.push(`- ${urn}  (no longer locked: deleted, renamed or unflagged)`);
        } else if (a && b && sameSalt && a.digest !== b.digest) {
            counts.changed++;
            const lines = changedPaths(a, b);
            out.push(`~ ${urn}`, ...(lines.length > 0 ? lines : ["    (the inputs differ only where the lock records no fingerprint)"]));
        }
    }
    out.push(`${counts.added} added, ${counts.removed} removed, ${counts.changed} changed` + (sameSalt ? "" : " (changes within resources not compared)") + settings.summary);
    process.stdout.write(`${out.join("\n")}\n`);
    return EXIT_OK;
}

export async function run(args: string[]): Promise<number> {
    return args[0] === "diff" ? diffLocks(args.slice(1)) : makeLock(args);
}
