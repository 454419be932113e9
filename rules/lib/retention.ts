import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { allowedListGuard, minimumGuard, type Guard } from "./locked-settings";
import { ConfigError, type Props } from "./policy";

/**
 * The two retention modes S3 object lock and AWS Backup vault lock share: in GOVERNANCE mode a
 * principal with the bypass permission can shorten or remove the retention; in COMPLIANCE mode
 * nobody can, not even the account root.
 */
export const RETENTION_MODES = ["GOVERNANCE", "COMPLIANCE"] as const;
export type RetentionMode = (typeof RETENTION_MODES)[number];

export interface RetentionConfig {
    allowedModes: readonly RetentionMode[];
    /** Shortest retention accepted, in days; a year counts as 365 days. */
    minRetentionDays: number;
}

export const DAYS_PER_YEAR = 365;
const DEFAULT_MIN_RETENTION_DAYS = 1;

export const retentionConfigSchema: Record<string, PolicyConfigJSONSchema> = {
    allowedModes: {
        type: "array",
        items: { type: "string", enum: [...RETENTION_MODES] },
        minItems: 1,
        uniqueItems: true,
        description: "Retention modes accepted: `GOVERNANCE` (privileged users can shorten or lift it) and `COMPLIANCE` (nobody can). Default both.",
    },
    minRetentionDays: {
        type: "integer",
        minimum: 1,
        description: "Shortest retention accepted, in days (a year counts as 365 days). Default 1.",
    },
};

/** A mode allowed that the lock did not allow, or a shorter minimum, lets shorter or liftable retentions through. */
export const retentionGuards: Record<string, Guard> = {
    allowedModes: allowedListGuard("allowedModes", "allows the mode", { fallback: RETENTION_MODES }),
    minRetentionDays: minimumGuard("minRetentionDays", DEFAULT_MIN_RETENTION_DAYS, "minimum retention"),
};

export function readRetentionConfig(raw: Props): RetentionConfig {
    const modes = raw.allowedModes ?? [...RETENTION_MODES];
    if (!Array.isArray(modes) || modes.length === 0 || modes.some((m) => !(RETENTION_MODES as readonly unknown[]).includes(m))) {
        throw new ConfigError(`allowedModes must be a non-empty list of ${RETENTION_MODES.join(" and ")}`);
    }
    const minimum = raw.minRetentionDays ?? DEFAULT_MIN_RETENTION_DAYS;
    if (typeof minimum !== "number" || !Number.isInteger(minimum) || minimum < 1) {
        throw new ConfigError("minRetentionDays must be a whole number of days, at least 1");
    }
    return { allowedModes: modes as RetentionMode[], minRetentionDays: minimum };
}

/** What a retention shorter than minRetentionDays says, S3 lock or vault lock alike, with the setting that fixes it. */
export function belowMinimum(found: string, config: RetentionConfig, fix: string): string {
    return `is ${found}, below the minimum of ${config.minRetentionDays} days this pack requires (minRetentionDays); set \`${fix}\`.`;
}

/** The mode a fix suggests: GOVERNANCE where allowed, since a mistaken COMPLIANCE retention cannot be undone. */
export function suggestedMode(config: RetentionConfig): RetentionMode {
    return config.allowedModes.includes("GOVERNANCE") ? "GOVERNANCE" : "COMPLIANCE";
}
