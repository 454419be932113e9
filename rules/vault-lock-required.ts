import { link } from "./lib/correlation";
import { describeValue, forceDestroyFindings, names, unknownAtPreview, variableName } from "./lib/findings";
import { onlyIfFlagged } from "./lib/flag-scope";
import {
    defineResourcePolicy,
    defineStackPolicy,
    type Finding,
    type Props,
    type ResourceView,
    type StackFinding,
    type StackRule,
} from "./lib/policy";
import { belowMinimum, readRetentionConfig, retentionConfigSchema, retentionGuards, suggestedMode, type RetentionConfig } from "./lib/retention";
import { isUnknown } from "./lib/unknowns";

/** A kind of vault that needs a separate lock resource in the same stack, and how that lock names it. */
interface VaultFamily {
    vaultType: string;
    lockType: string;
    /** The lock's input that names its vault. */
    reference: string;
    /** The one line that adds a lock to the vault, and what it needs besides. */
    addLock: (vault: ResourceView, config: RetentionConfig) => string;
    lockNote: string;
    checkLock: (lock: Props, config: RetentionConfig) => Iterable<Finding>;
}

/** A vault is named by its `name` input (auto-named when omitted) and, among outputs, its `id`. */
const VAULT_NAMES = ["name", "id"] as const;

const BACKUP_VAULT = "aws:backup/vault:Vault";
/** Locked in compliance mode by construction: its retention bounds are required inputs. */
const AIR_GAPPED_VAULT = "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault";
/** AWS's shortest grace period before a compliance-mode Backup vault lock becomes permanent. */
const MIN_CHANGEABLE_FOR_DAYS = 3;

function* minRetention(path: string, value: unknown, config: RetentionConfig): Iterable<Finding> {
    if (isUnknown(value)) {
        yield unknownAtPreview(path);
    } else if (value === undefined || value === null) {
        yield { path, message: `is not set, so the lock lets recovery points be deleted at any age; set \`minRetentionDays: ${config.minRetentionDays}\`.` };
    } else if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
        yield { path, message: `is ${typeof value === "number" ? value : describeValue(value)}; it must be a positive whole number of days.` };
    } else if (value < config.minRetentionDays) {
        yield { path, message: belowMinimum(String(value), config, `minRetentionDays: ${config.minRetentionDays}`) };
    }
}

function* backupLockSettings(lock: Props, config: RetentionConfig): Iterable<Finding> {
    yield* minRetention("minRetentionDays", lock.minRetentionDays, config);
    const changeable = lock.changeableForDays;
    if (isUnknown(changeable)) {
        if (config.allowedModes.length < 2) {
            yield unknownAtPreview("changeableForDays", "the lock's mode is checked when `pulumi up` runs");
        }
        return;
    }
    // AWS derives the mode: a grace period makes a compliance-mode lock, none a governance-mode one.
    // The provider leaves a zero out of its call to AWS, so 0 means none.
    const compliance = changeable !== undefined && changeable !== null && changeable !== 0;
    if (!compliance && !config.allowedModes.includes("GOVERNANCE")) {
        yield {
            path: "changeableForDays",
            message: "is not set, so the lock is in governance mode, which a principal with the right IAM permissions can remove; " +
                `this pack allows only COMPLIANCE: set \`changeableForDays: ${MIN_CHANGEABLE_FOR_DAYS}\` (after those days nobody can change or remove the lock).`,
        };
    } else if (compliance && !config.allowedModes.includes("COMPLIANCE")) {
        yield { path: "changeableForDays", message: "is set, which makes a compliance-mode lock; this pack allows only GOVERNANCE: remove it." };
    }
}

function* glacierLockSettings(lock: Props): Iterable<Finding> {
    const complete = lock.completeLock;
    if (isUnknown(complete)) {
        yield unknownAtPreview("completeLock");
    } else if (complete === false) {
        yield {
            path: "completeLock",
            message: "is false: the lock policy stays in test mode for 24 hours and Glacier then removes it; " +
                "once the policy is tested, set `completeLock: true`.",
        };
    } else if (complete !== true) {
        yield { path: "completeLock", message: `is ${describeValue(complete)}; set \`completeLock: true\`.` };
    }
}

const VAULT_FAMILIES: readonly VaultFamily[] = [
    {
        vaultType: BACKUP_VAULT,
        lockType: "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
        reference: "backupVaultName",
        addLock: (vault, config) => {
            const compliance = suggestedMode(config) === "COMPLIANCE" ? `, changeableForDays: ${MIN_CHANGEABLE_FOR_DAYS}` : "";
            return `new aws.backup.VaultLockConfiguration("${vault.name}-lock", { backupVaultName: ${variableName(vault.name)}.name, ` +
                `minRetentionDays: ${config.minRetentionDays}${compliance} });`;
        },
        lockNote: "",
        checkLock: backupLockSettings,
    },
    {
        vaultType: "aws:glacier/vault:Vault",
        lockType: "aws:glacier/vaultLock:VaultLock",
        reference: "vaultName",
        addLock: (vault) =>
            `new aws.glacier.VaultLock("${vault.name}-lock", { vaultName: ${variableName(vault.name)}.name, completeLock: true, policy: lockPolicy });`,
        lockNote: ", where lockPolicy is a JSON policy that denies glacier:DeleteArchive",
        checkLock: glacierLockSettings,
    },
];

const shared: Omit<StackRule<RetentionConfig>, "name" | "displayName" | "description" | "check"> = {
    severity: "high",
    enforcementLevel: "mandatory",
    tags: ["storage", "immutability", "aws", "backup", "glacier"],
    remediationSteps:
        "Add a vault lock beside each flagged vault: `new aws.backup.VaultLockConfiguration(\"<name>-lock\", { " +
        "backupVaultName: <vault>.name, minRetentionDays: 30, changeableForDays: 3 })` for AWS Backup, or " +
        "`new aws.glacier.VaultLock(\"<name>-lock\", { vaultName: <vault>.name, completeLock: true, policy })` for " +
        "Glacier. A `aws.backup.LogicallyAirGappedVault` is locked by construction.",
    config: retentionConfigSchema,
    readConfig: readRetentionConfig,
    guards: retentionGuards,
};

// ---------------------------------------------------------------------------------------------
// Resource half: what a flagged vault shows by itself.

function* vaultSettings(vault: ResourceView, config: RetentionConfig): Iterable<Finding> {
    if (vault.type === AIR_GAPPED_VAULT) {
        yield* minRetention("minRetentionDays", vault.props.minRetentionDays, config);
        return;
    }
    yield* forceDestroyFindings(vault.props.forceDestroy, "every recovery point in the vault");
}

export const vaultLockRequired = defineResourcePolicy<RetentionConfig>({
    ...shared,
    name: "vault-lock-required",
    displayName: "Flagged backup vaults are locked",
    description:
        "A flagged AWS Backup vault must not be emptied by a deployment (`forceDestroy`), and a flagged logically " +
        "air-gapped vault must keep recovery points at least `minRetentionDays`. Whether each flagged Backup or " +
        "Glacier vault has its lock is checked by vault-lock-required-stack.",
    appliesTo: (type) => type === BACKUP_VAULT || type === AIR_GAPPED_VAULT,
    check: (vault, config) => onlyIfFlagged(vault, vaultSettings(vault, config)),
});

// ---------------------------------------------------------------------------------------------
// Stack half: each flagged vault with the lock that names it.

function missingLock(vault: ResourceView, family: VaultFamily, pending: readonly ResourceView[], config: RetentionConfig): Finding {
    if (pending.length > 0) {
        return {
            path: "",
            advisory: true,
            message: `no vault lock is known to apply to this vault yet; the vault of ${names(pending)} is unknown during preview ` +
                "and may be this one; it is checked when `pulumi up` runs.",
        };
    }
    return {
        path: "",
        message: `is flagged immutable but no vault lock in the stack applies to it, so its contents can be deleted; ` +
            `add \`${family.addLock(vault, config)}\`${family.lockNote}.`,
    };
}

function* familyFindings(resources: readonly ResourceView[], family: VaultFamily, config: RetentionConfig): Iterable<StackFinding> {
    const vaults = resources.filter((r) => r.type === family.vaultType);
    if (vaults.length === 0) {
        return;
    }
    const locks = link(vaults, resources.filter((r) => r.type === family.lockType), { property: family.reference, targetNames: VAULT_NAMES });
    for (const vault of vaults) {
        const vaultLocks = locks.of(vault);
        const findings: StackFinding[] = vaultLocks.length === 0
            ? [{ ...missingLock(vault, family, locks.maybeOf(vault), config), resource: vault }]
            : vaultLocks.flatMap((lock) => [...family.checkLock(lock.props, config)]
                .map((f) => ({ ...f, message: `${f.message} (This is the lock of the flagged vault ${vault.name}.)`, resource: lock })));
        yield* onlyIfFlagged(vault, findings);
    }
}

export const vaultLockRequiredStack = defineStackPolicy<RetentionConfig>({
    ...shared,
    name: "vault-lock-required-stack",
    displayName: "Flagged backup vaults are locked (across the stack)",
    description:
        "Every flagged AWS Backup vault needs an `aws.backup.VaultLockConfiguration` with `minRetentionDays` (in " +
        "compliance mode when `allowedModes` requires it), and every flagged Glacier vault an `aws.glacier.VaultLock` " +
        "with `completeLock: true`, in the same stack. Locks are linked to their vault through the engine's property " +
        "dependencies and the vault's name.",
    check: function* (resources, config) {
        for (const family of VAULT_FAMILIES) {
            yield* familyFindings(resources, family, config);
        }
    },
});
