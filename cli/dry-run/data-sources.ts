/**
 * Answers to the data sources (invokes) programs call most, so they run without a cloud account.
 * The values are stand-ins of the right shape and type (account 123456789012, the configured
 * region, a default VPC with a subnet per availability zone, ids derived from the arguments, so
 * the same lookup gives the same answer): enough for libraries that slice a list of subnets or
 * read a cluster's endpoint to carry on. `getPolicyDocument` and `kubernetes:yaml:decode` are
 * rendered exactly, because what they produce is what the pack checks. A Helm chart or kustomize
 * directory cannot be rendered without Helm and the chart: it is reported as not seen, and at
 * preview answers unknown, so the program carries on as a real preview does with an unknown value.
 * The user's own answers (`--mocks`) come first.
 */
import { createHash } from "crypto";
import * as YAML from "yaml";
import { UNKNOWN_STRING } from "../../rules/lib/unknowns";
import { mockAnswer, type MockAnswers } from "./mocks";

export const DRY_RUN_ACCOUNT_ID = "123456789012";
const DEFAULT_REGION = "us-east-1";

type Inputs = Record<string, unknown>;

function strings(value: unknown): string[] {
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** The provider writes a one-element list as a plain string. */
function oneOrMany(values: string[]): string | string[] {
    return values.length === 1 ? values[0] : values;
}

function principals(list: unknown): unknown {
    if (!Array.isArray(list) || list.length === 0) {
        return undefined;
    }
    const out: Record<string, string[]> = {};
    for (const p of list as Inputs[]) {
        const type = String(p.type ?? "");
        const identifiers = strings(p.identifiers);
        if (type === "*" && identifiers.every((i) => i === "*")) {
            return "*";
        }
        out[type] = [...(out[type] ?? []), ...identifiers];
    }
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, oneOrMany(v)]));
}

function conditions(list: unknown): unknown {
    if (!Array.isArray(list) || list.length === 0) {
        return undefined;
    }
    const out: Record<string, Record<string, string | string[]>> = {};
    for (const c of list as Inputs[]) {
        const test = String(c.test ?? "");
        const variable = String(c.variable ?? "");
        const earlier = out[test]?.[variable];
        const values = [...(earlier === undefined ? [] : typeof earlier === "string" ? [earlier] : earlier), ...strings(c.values)];
        out[test] = { ...(out[test] ?? {}), [variable]: oneOrMany(values) };
    }
    return out;
}

type Statement = Record<string, unknown>;

/** The statements of a JSON policy document given to `sourcePolicyDocuments` or `overridePolicyDocuments`. */
function statementsOf(json: unknown): Statement[] {
    if (typeof json !== "string") {
        return [];
    }
    try {
        const doc = JSON.parse(json) as { Statement?: unknown };
        const list = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
        return list.filter((s): s is Statement => s !== null && typeof s === "object" && !Array.isArray(s));
    } catch {
        return [];
    }
}

/** As the provider merges: a statement with the Sid of an earlier one replaces it, one without a Sid is appended. */
function mergeBySid(base: Statement[], later: Statement[]): Statement[] {
    const merged = [...base];
    for (const statement of later) {
        const at = typeof statement.Sid === "string" && statement.Sid !== "" ? merged.findIndex((s) => s.Sid === statement.Sid) : -1;
        if (at >= 0) {
            merged[at] = statement;
        } else {
            merged.push(statement);
        }
    }
    return merged;
}

/**
 * The JSON the AWS provider renders: statements of `sourcePolicyDocuments` first, the document's own
 * statements replacing those with the same Sid, then `overridePolicyDocuments` replacing by Sid.
 */
export function renderPolicyDocument(inputs: Inputs): string {
    const statements = (Array.isArray(inputs.statements) ? inputs.statements : []) as Inputs[];
    const field = (values: unknown) => (strings(values).length > 0 ? oneOrMany(strings(values)) : undefined);
    const own = statements.map((s) => ({
        Sid: typeof s.sid === "string" && s.sid !== "" ? s.sid : undefined,
        Effect: typeof s.effect === "string" ? s.effect : "Allow",
        Action: field(s.actions),
        NotAction: field(s.notActions),
        Resource: field(s.resources),
        NotResource: field(s.notResources),
        Principal: principals(s.principals),
        NotPrincipal: principals(s.notPrincipals),
        Condition: conditions(s.conditions),
    }));
    const sources = (Array.isArray(inputs.sourcePolicyDocuments) ? inputs.sourcePolicyDocuments : []).flatMap(statementsOf);
    const overrides = (Array.isArray(inputs.overridePolicyDocuments) ? inputs.overridePolicyDocuments : []).flatMap(statementsOf);
    const document = {
        Version: typeof inputs.version === "string" ? inputs.version : "2012-10-17",
        Id: typeof inputs.policyId === "string" ? inputs.policyId : undefined,
        Statement: mergeBySid(mergeBySid(sources, own), overrides),
    };
    return JSON.stringify(document, null, 2);
}

/** What a lookup needs to know about the run. */
export interface DataSourceContext {
    config: Record<string, string>;
    /** At preview a value that cannot be known is unknown; at up it is absent. */
    preview: boolean;
    mocks?: MockAnswers;
}

/** Something the program asked for that the dry run could not produce, so what depends on it is not checked. */
export interface UnansweredDataSource {
    kind: "chart" | "data-source";
    /** The chart or directory, when the data source renders one. */
    name?: string;
    message: string;
}

export type DataSourceAnswer =
    | { answered: true; result: Record<string, unknown> }
    | { answered: false; result: Record<string, unknown>; unseen: UnansweredDataSource };

type Answer = (inputs: Inputs, run: Run) => Record<string, unknown>;

interface Run {
    region: string;
    account: string;
    partition: string;
}

/** A stable id of AWS's shape (`vpc-0123456789abcdef0`): the same lookup always gets the same one. */
function standInId(prefix: string, ...parts: unknown[]): string {
    return `${prefix}-${createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 17)}`;
}

function hex(length: number, ...parts: unknown[]): string {
    return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, length).toUpperCase();
}

function partitionOf(region: string): string {
    return region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
}

const DIRECTIONS: Record<string, string> = {
    north: "n", south: "s", east: "e", west: "w", central: "c", northeast: "ne", northwest: "nw", southeast: "se", southwest: "sw",
};

/** AWS's availability-zone id prefix for a region: `us-east-1` → `use1`, `ap-southeast-2` → `apse2`. */
function zoneIdPrefix(region: string): string {
    return region.split("-").map((part) => DIRECTIONS[part] ?? part).join("");
}

function zones(region: string): { names: string[]; zoneIds: string[] } {
    const names = ["a", "b", "c"].map((letter) => `${region}${letter}`);
    return { names, zoneIds: names.map((_, i) => `${zoneIdPrefix(region)}-az${i + 1}`) };
}

function defaultVpcId(region: string): string {
    return standInId("vpc", "default", region);
}

/** The value a filter `{ name, values }` asks for, e.g. `vpc-id`. */
function filterValue(inputs: Inputs, name: string): string | undefined {
    const filters = Array.isArray(inputs.filters) ? (inputs.filters as Inputs[]) : [];
    const values = filters.find((f) => f?.name === name)?.values;
    return Array.isArray(values) && typeof values[0] === "string" ? values[0] : undefined;
}

function text(value: unknown): string | undefined {
    return typeof value === "string" && value !== "" ? value : undefined;
}

/** The ids of a VPC's subnets: one per availability zone. */
function subnetIds(vpcId: string, region: string): string[] {
    return zones(region).names.map((zone) => standInId("subnet", vpcId, zone));
}

function vpcOf(inputs: Inputs, run: Run): string {
    return text(inputs.vpcId) ?? filterValue(inputs, "vpc-id") ?? defaultVpcId(run.region);
}

/**
 * One entry per data source, keyed by invoke token. The provider echoes the arguments among the
 * outputs, so each answer starts from them.
 */
const ANSWERS: Record<string, Answer> = {
    "aws:index/getCallerIdentity:getCallerIdentity": (_inputs, run) => ({
        accountId: run.account,
        arn: `arn:${run.partition}:iam::${run.account}:user/dry-run`,
        userId: "AIDADRYRUNDRYRUN",
        id: run.account,
    }),
    "aws:index/getRegion:getRegion": (_inputs, run) => ({
        name: run.region,
        region: run.region,
        id: run.region,
        endpoint: `ec2.${run.region}.amazonaws.com`,
        description: run.region,
    }),
    "aws:index/getPartition:getPartition": (_inputs, run) => ({
        partition: run.partition,
        dnsSuffix: run.partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com",
        reverseDnsPrefix: run.partition === "aws-cn" ? "cn.com.amazonaws" : "com.amazonaws",
        id: run.partition,
    }),
    "aws:index/getAvailabilityZones:getAvailabilityZones": (_inputs, run) => {
        const { names, zoneIds } = zones(run.region);
        return { names, zoneIds, groupNames: [run.region], id: run.region, region: run.region, state: "available" };
    },
    "aws:iam/getPolicyDocument:getPolicyDocument": (inputs) => {
        const json = renderPolicyDocument(inputs);
        return { json, minifiedJson: JSON.stringify(JSON.parse(json)), id: "dry-run" };
    },
    "aws:ec2/getVpc:getVpc": (inputs, run) => {
        const isDefault = inputs.default === true || (inputs.id === undefined && inputs.filters === undefined && inputs.tags === undefined && inputs.cidrBlock === undefined);
        const id = text(inputs.id) ?? (isDefault ? defaultVpcId(run.region) : standInId("vpc", inputs, run.region));
        const cidrBlock = text(inputs.cidrBlock) ?? (isDefault ? "172.31.0.0/16" : "10.0.0.0/16");
        return {
            id,
            arn: `arn:${run.partition}:ec2:${run.region}:${run.account}:vpc/${id}`,
            cidrBlock,
            cidrBlockAssociations: [{ associationId: standInId("vpc-cidr-assoc", id), cidrBlock, state: "associated" }],
            default: isDefault,
            dhcpOptionsId: standInId("dopt", run.region),
            enableDnsHostnames: true,
            enableDnsSupport: true,
            enableNetworkAddressUsageMetrics: false,
            instanceTenancy: "default",
            ipv6AssociationId: "",
            ipv6CidrBlock: "",
            ipv6CidrBlockAssociations: [],
            mainRouteTableId: standInId("rtb", id),
            ownerId: run.account,
            region: run.region,
            state: "available",
            tags: inputs.tags ?? {},
        };
    },
    "aws:ec2/getVpcs:getVpcs": (inputs, run) => ({ ids: [inputs.filters || inputs.tags ? standInId("vpc", inputs, run.region) : defaultVpcId(run.region)], id: run.region, region: run.region }),
    "aws:ec2/getSubnets:getSubnets": (inputs, run) => ({ ids: subnetIds(vpcOf(inputs, run), run.region), id: run.region, region: run.region }),
    // @pulumi/aws 5 and earlier (awsx classic's default VPC uses it).
    "aws:ec2/getSubnetIds:getSubnetIds": (inputs, run) => ({ ids: subnetIds(vpcOf(inputs, run), run.region), id: vpcOf(inputs, run), vpcId: vpcOf(inputs, run) }),
    "aws:ec2/getSubnet:getSubnet": (inputs, run) => {
        const vpcId = vpcOf(inputs, run);
        const availabilityZone = text(inputs.availabilityZone) ?? filterValue(inputs, "availability-zone") ?? `${run.region}a`;
        const index = Math.max(0, zones(run.region).names.indexOf(availabilityZone));
        const id = text(inputs.id) ?? filterValue(inputs, "subnet-id") ?? standInId("subnet", vpcId, availabilityZone);
        return {
            id,
            arn: `arn:${run.partition}:ec2:${run.region}:${run.account}:subnet/${id}`,
            assignIpv6AddressOnCreation: false,
            availabilityZone,
            availabilityZoneId: `${zoneIdPrefix(run.region)}-az${index + 1}`,
            availableIpAddressCount: 4091,
            cidrBlock: text(inputs.cidrBlock) ?? `172.31.${index * 16}.0/20`,
            customerOwnedIpv4Pool: "",
            defaultForAz: inputs.defaultForAz ?? true,
            enableDns64: false,
            enableLniAtDeviceIndex: 0,
            enableResourceNameDnsARecordOnLaunch: false,
            enableResourceNameDnsAaaaRecordOnLaunch: false,
            ipv6CidrBlock: "",
            ipv6CidrBlockAssociationId: "",
            ipv6Native: false,
            mapCustomerOwnedIpOnLaunch: false,
            mapPublicIpOnLaunch: true,
            outpostArn: "",
            ownerId: run.account,
            privateDnsHostnameTypeOnLaunch: "ip-name",
            region: run.region,
            state: "available",
            tags: inputs.tags ?? {},
            vpcId,
        };
    },
    "aws:ec2/getSecurityGroup:getSecurityGroup": (inputs, run) => {
        const id = text(inputs.id) ?? standInId("sg", inputs, run.region);
        return {
            id,
            arn: `arn:${run.partition}:ec2:${run.region}:${run.account}:security-group/${id}`,
            name: text(inputs.name) ?? filterValue(inputs, "group-name") ?? "default",
            description: "default VPC security group",
            vpcId: vpcOf(inputs, run),
            region: run.region,
            tags: inputs.tags ?? {},
        };
    },
    "aws:ec2/getAmi:getAmi": (inputs, run) => {
        const id = standInId("ami", inputs, run.region);
        const owners = strings(inputs.owners);
        return {
            id,
            imageId: id,
            arn: `arn:${run.partition}:ec2:${run.region}::image/${id}`,
            architecture: filterValue(inputs, "architecture") ?? "x86_64",
            blockDeviceMappings: [],
            bootMode: "",
            creationDate: "2026-01-01T00:00:00.000Z",
            deprecationTime: "",
            description: "stand-in image of the dry run",
            enaSupport: true,
            hypervisor: "xen",
            imageLocation: "",
            imageOwnerAlias: owners.includes("amazon") ? "amazon" : "",
            imageType: "machine",
            imdsSupport: "v2.0",
            kernelId: "",
            lastLaunchedTime: "",
            name: (filterValue(inputs, "name") ?? "dry-run-image").replace(/[*?]/g, "0"),
            ownerId: owners.find((o) => /^\d{12}$/.test(o)) ?? "137112412989",
            platform: "",
            platformDetails: "Linux/UNIX",
            productCodes: [],
            public: true,
            ramdiskId: "",
            region: run.region,
            rootDeviceName: "/dev/xvda",
            rootDeviceType: "ebs",
            rootSnapshotId: standInId("snap", id),
            sriovNetSupport: "simple",
            state: "available",
            stateReason: { code: "UNSET", message: "UNSET" },
            tags: {},
            tpmSupport: "",
            usageOperation: "RunInstances",
            virtualizationType: filterValue(inputs, "virtualization-type") ?? "hvm",
        };
    },
    "aws:ec2/getAmiIds:getAmiIds": (inputs, run) => ({ ids: [standInId("ami", inputs, run.region)], id: run.region, region: run.region }),
    "aws:eks/getCluster:getCluster": (inputs, run) => {
        const name = text(inputs.name) ?? "cluster";
        const key = hex(32, name, run.region);
        return {
            id: name,
            name,
            arn: `arn:${run.partition}:eks:${run.region}:${run.account}:cluster/${name}`,
            endpoint: `https://${key}.gr7.${run.region}.eks.amazonaws.com`,
            certificateAuthorities: [{ data: Buffer.from(`dry-run certificate authority of ${name}`).toString("base64") }],
            identities: [{ oidcs: [{ issuer: `https://oidc.eks.${run.region}.amazonaws.com/id/${key}` }] }],
            roleArn: `arn:${run.partition}:iam::${run.account}:role/${name}-cluster`,
            version: "1.31",
            platformVersion: "eks.1",
            status: "ACTIVE",
            createdAt: "2026-01-01T00:00:00Z",
            clusterId: "",
            deletionProtection: false,
            enabledClusterLogTypes: [],
            accessConfigs: [{ authenticationMode: "API_AND_CONFIG_MAP", bootstrapClusterCreatorAdminPermissions: true }],
            kubernetesNetworkConfigs: [{ ipFamily: "ipv4", serviceIpv4Cidr: "10.100.0.0/16", serviceIpv6Cidr: "", elasticLoadBalancings: [] }],
            vpcConfig: [{
                clusterSecurityGroupId: standInId("sg", name, run.region),
                endpointPrivateAccess: false,
                endpointPublicAccess: true,
                publicAccessCidrs: ["0.0.0.0/0"],
                securityGroupIds: [],
                subnetIds: subnetIds(defaultVpcId(run.region), run.region),
                vpcId: defaultVpcId(run.region),
            }],
            computeConfigs: [],
            controlPlaneScalingConfigs: [],
            kubeApiServerConfigs: [],
            kubeControllerManagerConfigs: [],
            kubeSchedulerConfigs: [],
            outpostConfigs: [],
            remoteNetworkConfigs: [],
            storageConfigs: [],
            upgradePolicies: [],
            zonalShiftConfigs: [],
            region: run.region,
            tags: {},
        };
    },
    "aws:eks/getClusterAuth:getClusterAuth": (inputs, run) => ({ id: text(inputs.name) ?? "cluster", name: text(inputs.name) ?? "cluster", region: run.region, token: "k8s-aws-v1.dry-run" }),
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": (inputs, run) => {
        const registry = text(inputs.registryId) ?? run.account;
        return {
            id: run.region,
            userName: "AWS",
            password: "dry-run",
            authorizationToken: Buffer.from("AWS:dry-run").toString("base64"),
            proxyEndpoint: `https://${registry}.dkr.ecr.${run.region}.amazonaws.com`,
            expiresAt: "2026-01-01T12:00:00Z",
            region: run.region,
        };
    },
    "aws:ecr/getRepository:getRepository": (inputs, run) => {
        const name = text(inputs.name) ?? "repository";
        const registryId = text(inputs.registryId) ?? run.account;
        return {
            id: name,
            name,
            arn: `arn:${run.partition}:ecr:${run.region}:${registryId}:repository/${name}`,
            registryId,
            repositoryUrl: `${registryId}.dkr.ecr.${run.region}.amazonaws.com/${name}`,
            mostRecentImageTags: [],
            region: run.region,
            tags: {},
        };
    },
    "aws:route53/getZone:getZone": (inputs, run) => {
        const name = (text(inputs.name) ?? "example.com").replace(/\.$/, "");
        const zoneId = text(inputs.zoneId) ?? `Z${hex(20, name, inputs.privateZone === true)}`;
        return {
            id: zoneId,
            zoneId,
            name,
            arn: `arn:${run.partition}:route53:::hostedzone/${zoneId}`,
            privateZone: inputs.privateZone === true,
            callerReference: "dry-run",
            comment: "",
            nameServers: ["ns-1.awsdns-01.org", "ns-2.awsdns-02.co.uk", "ns-3.awsdns-03.com", "ns-4.awsdns-04.net"],
            primaryNameServer: "ns-1.awsdns-01.org",
            resourceRecordSetCount: 2,
            linkedServiceDescription: "",
            linkedServicePrincipal: "",
            tags: inputs.tags ?? {},
            vpcId: text(inputs.vpcId) ?? "",
        };
    },
    "aws:acm/getCertificate:getCertificate": (inputs, run) => {
        const domain = text(inputs.domain) ?? "example.com";
        const arn = `arn:${run.partition}:acm:${run.region}:${run.account}:certificate/${hex(32, domain).toLowerCase().replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-")}`;
        return { id: arn, arn, domain, status: "ISSUED", certificate: "", certificateChain: "", region: run.region, tags: {} };
    },
    "aws:iam/getRole:getRole": (inputs, run) => {
        const name = text(inputs.name) ?? "role";
        return { id: name, name, arn: `arn:${run.partition}:iam::${run.account}:role/${name}`, path: "/", uniqueId: `AROA${hex(17, name)}`, createDate: "2026-01-01T00:00:00Z", maxSessionDuration: 3600, tags: {} };
    },
    // The account of the region's load balancers, the principal of an access-log bucket policy: one fixed account, never a wildcard.
    "aws:elb/getServiceAccount:getServiceAccount": (_inputs, run) => {
        const account = String(parseInt(hex(10, "elb", run.region), 16)).padStart(12, "1").slice(-12);
        return { id: account, arn: `arn:${run.partition}:iam::${account}:root`, region: run.region };
    },
    "aws:ssm/getParameter:getParameter": (inputs, run) => {
        const name = text(inputs.name) ?? "";
        // Only AWS's public parameters of image ids have an answer that cannot mislead: any id will do.
        if (!/^\/aws\/service\/.*(ami|image_id)/.test(name)) {
            throw new NotAnswered();
        }
        const value = standInId("ami", name, run.region);
        return { id: name, name, arn: `arn:${run.partition}:ssm:${run.region}::parameter${name}`, type: "String", value, insecureValue: value, version: 1, withDecryption: inputs.withDecryption ?? true };
    },
};

/** Thrown by an answer that knows only some calls of its data source. */
class NotAnswered extends Error {}

/** The data sources that render Kubernetes objects the dry run cannot render: what they render, and from where. */
const UNRENDERED: Record<string, { what: string; source(inputs: Inputs): { name?: string; from?: string } }> = {
    "kubernetes:helm:template": {
        what: "Helm chart",
        source: (inputs) => {
            let options: Inputs = {};
            try {
                options = typeof inputs.jsonOpts === "string" ? (JSON.parse(inputs.jsonOpts) as Inputs) : {};
            } catch {
                // A chart whose options cannot be read is still reported, without a name.
            }
            return { name: text(options.chart) ?? text(options.path), from: text((options.fetch_opts as Inputs | undefined)?.repo) ?? text(options.repo) };
        },
    },
    "kubernetes:kustomize:directory": { what: "kustomize directory", source: (inputs) => ({ name: text(inputs.directory) }) },
};

/** `kubernetes:yaml:decode`, which `yaml.ConfigFile`, `ConfigGroup` and `Chart` v3 use: every document that is an object. */
function decodeYaml(inputs: Inputs): Record<string, unknown> {
    const docs = YAML.parseAllDocuments(typeof inputs.text === "string" ? inputs.text : "");
    return { result: docs.map((d) => d.toJS() as unknown).filter((d) => d !== null && typeof d === "object") };
}

export function answerDataSource(token: string, inputs: Inputs, context: DataSourceContext): DataSourceAnswer {
    const mocked = mockAnswer(context.mocks, token, inputs);
    if (mocked) {
        return { answered: true, result: mocked };
    }
    const region = text(inputs.region) ?? context.config["aws:region"] ?? DEFAULT_REGION;
    const run: Run = { region, account: DRY_RUN_ACCOUNT_ID, partition: partitionOf(region) };
    const answer = ANSWERS[token];
    if (answer) {
        try {
            return { answered: true, result: { ...inputs, ...answer(inputs, run) } };
        } catch (e) {
            if (!(e instanceof NotAnswered)) {
                throw e;
            }
        }
    }
    if (token === "kubernetes:yaml:decode") {
        return { answered: true, result: decodeYaml(inputs) };
    }
    const unrendered = UNRENDERED[token];
    if (unrendered) {
        const { name, from } = unrendered.source(inputs);
        return {
            answered: false,
            // Unknown at preview, as a real preview leaves a value it cannot know: the program carries on.
            result: { result: context.preview ? UNKNOWN_STRING : [] },
            unseen: {
                kind: "chart",
                ...(name ? { name } : {}),
                message: `the ${unrendered.what}${name ? ` ${name}` : ""}${from ? ` from ${from}` : ""} is not rendered by the dry run, which runs ` +
                    "neither Helm nor kustomize: the resources it makes are not checked here; `pulumi preview --policy-pack` checks them",
            },
        };
    }
    return {
        answered: false,
        result: {},
        unseen: {
            kind: "data-source",
            message: `the data source ${token} is not answered by the dry run, so it returned no data and what the program built from it may differ ` +
                "from a real preview; give it an answer with --mocks",
        },
    };
}
