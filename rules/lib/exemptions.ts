import picomatch = require("picomatch");

/** An exemption as users write it in policy config. */
export interface Exemption {
    urn: string;
    reason: string;
    expires: string;
}

export type ExemptionVerdict =
    | { kind: "none" }
    | { kind: "applies"; exemption: Exemption }
    | { kind: "ignored"; exemption: Exemption; why: string };

/** JSON schema of the `exemptions` key every policy accepts. */
export const exemptionsSchema = {
    type: "array",
    description:
        "Resources this policy does not block, each with a reason and an expiry date (YYYY-MM-DD, UTC; " +
        "the exemption applies through that day). Expired exemptions, or ones without a reason, do not apply.",
    items: {
        type: "object",
        properties: {
            urn: { type: "string", minLength: 1, description: "Glob over the resource URN; `*` matches any characters." },
            reason: { type: "string", description: "Why the resource may break the rule; shown whenever the exemption is used." },
            expires: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$", description: "Last day (UTC) the exemption applies." },
        },
        required: ["urn", "reason", "expires"],
        additionalProperties: false,
    },
} as const;

let clock: () => Date = () => new Date();

/** Tests set the date exemptions are judged against; production uses the real clock. */
export function setClock(now: () => Date): void {
    clock = now;
}

const matcherCache = new Map<string, (urn: string) => boolean>();

function urnMatcher(glob: string): (urn: string) => boolean {
    let matcher = matcherCache.get(glob);
    if (!matcher) {
        // `bash` makes `*` cross `/`, which URNs contain inside type tokens (`aws:s3/bucket:Bucket`).
        matcher = picomatch(glob, { bash: true, dot: true, nobrace: false });
        matcherCache.set(glob, matcher);
    }
    return matcher;
}

function isValidDate(text: string): boolean {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) {
        return false;
    }
    const date = new Date(`${text}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

/** Why an exemption does not apply today, or undefined when it does. */
export function whyNotInForce(exemption: Exemption): string | undefined {
    if (!exemption.reason || exemption.reason.trim() === "") {
        return "it has no reason";
    }
    if (!isValidDate(exemption.expires)) {
        return `its expiry "${exemption.expires}" is not a date (YYYY-MM-DD)`;
    }
    if (exemption.expires < clock().toISOString().slice(0, 10)) {
        return `it expired on ${exemption.expires}`;
    }
    return undefined;
}

/** Decides whether any exemption in the list covers the URN, preferring one that applies. */
export function findExemption(exemptions: readonly Exemption[], urn: string): ExemptionVerdict {
    let ignored: ExemptionVerdict = { kind: "none" };
    for (const exemption of exemptions) {
        if (!urnMatcher(exemption.urn)(urn)) {
            continue;
        }
        const why = whyNotInForce(exemption);
        if (why === undefined) {
            return { kind: "applies", exemption };
        }
        ignored = { kind: "ignored", exemption, why };
    }
    return ignored;
}

/** Reads the `exemptions` config value, keeping only well-formed entries and naming the rest. */
export function parseExemptions(raw: unknown): { exemptions: Exemption[]; problems: string[] } {
    const exemptions: Exemption[] = [];
    const problems: string[] = [];
    if (raw === undefined || raw === null) {
        return { exemptions, problems };
    }
    if (!Array.isArray(raw)) {
        return { exemptions, problems: ["exemptions must be a list of {urn, reason, expires}"] };
    }
    raw.forEach((entry: unknown, index: number) => {
        const e = entry as Partial<Record<keyof Exemption, unknown>> | null;
        if (!e || typeof e !== "object" || typeof e.urn !== "string" || e.urn === "") {
            problems.push(`exemptions[${index}] has no urn glob`);
            return;
        }
        exemptions.push({
            urn: e.urn,
            reason: typeof e.reason === "string" ? e.reason : "",
            expires: typeof e.expires === "string" ? e.expires : "",
        });
    });
    return { exemptions, problems };
}
