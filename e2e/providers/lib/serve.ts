/**
 * Serves a stand-in provider through `@pulumi/pulumi/provider`'s `main`, which implements the gRPC
 * protocol (Check, Read, Delete, Invoke, GetPluginInfo, …). Four methods are answered here instead,
 * because the SDK's server cannot say what the real providers say:
 * - Configure: the SDK ignores the provider's config (region, default tags, enableConfigMapMutable)
 *   and does not announce `supportsPreview`. Without it the engine skips Create and Update at preview
 *   and records the inputs as outputs, so values a provider computes (an ARN, a uid) would be missing
 *   at preview instead of unknown, unlike under the real providers.
 * - Create and Update: the SDK drops the request's `preview` flag.
 * - Diff: the SDK cannot return a detailed diff, so the engine would show its own diff of the inputs.
 */
import * as grpc from "@grpc/grpc-js";
import * as provider from "@pulumi/pulumi/provider";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import { DiffKind, DiffOutcome } from "./diff";
import { Properties, Value } from "./values";

export interface StandIn {
    /** The version the program's SDK asks for, reported by GetPluginInfo so the engine does not warn. */
    readonly version: string;
    /** The provider's config (keys without the package prefix), before any other call. */
    configure(config: Properties): void;
    check(urn: string, olds: Properties, news: Properties): Properties;
    diff(urn: string, oldInputs: Properties, oldOutputs: Properties, news: Properties): DiffOutcome;
    create(urn: string, inputs: Properties, preview: boolean): { id: string; outputs: Properties };
    update(urn: string, id: string, oldOutputs: Properties, news: Properties, preview: boolean): Properties;
    invoke(token: string, args: Properties): Properties;
}

type Callback<T> = (error: Error | null, response?: T) => void;
type Unary<Req, Res> = (call: { request: Req }, callback: Callback<Res>) => void;

function toProperties(struct: structproto.Struct | undefined): Properties {
    return (struct?.toJavaScript() ?? {}) as Properties;
}

function toStruct(properties: Properties): structproto.Struct {
    return structproto.Struct.fromJavaScript(properties as Record<string, structproto.JavaScriptValue>);
}

/** Runs `answer` and sends its result, or its error as the call's error (the engine prints it). */
function respond<T>(callback: Callback<T>, answer: () => T): void {
    let response: T;
    try {
        response = answer();
    } catch (e) {
        callback(e instanceof Error ? e : new Error(String(e)));
        return;
    }
    callback(null, response);
}

/** Config arrives as typed `args` from recent engines, else as strings keyed `pkg:config:key`. */
function providerConfig(request: provproto.ConfigureRequest): Properties {
    const args = toProperties(request.getArgs());
    if (Object.keys(args).length > 0) {
        return args;
    }
    const config: Properties = {};
    request.getVariablesMap().forEach((raw: string, key: string) => {
        let value: Value = raw;
        try {
            value = JSON.parse(raw) as Value;
        } catch {
            // a plain string
        }
        config[key.slice(key.lastIndexOf(":") + 1)] = value;
    });
    return config;
}

const DIFF_KINDS: Record<DiffKind, provproto.PropertyDiff.Kind> = {
    add: provproto.PropertyDiff.Kind.ADD,
    "add-replace": provproto.PropertyDiff.Kind.ADD_REPLACE,
    delete: provproto.PropertyDiff.Kind.DELETE,
    "delete-replace": provproto.PropertyDiff.Kind.DELETE_REPLACE,
    update: provproto.PropertyDiff.Kind.UPDATE,
    "update-replace": provproto.PropertyDiff.Kind.UPDATE_REPLACE,
};

function diffResponse(outcome: DiffOutcome): provproto.DiffResponse {
    const response = new provproto.DiffResponse();
    response.setChanges(outcome.changes ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE);
    response.setReplacesList(outcome.replaces);
    response.setDeletebeforereplace(outcome.deleteBeforeReplace);
    response.setHasdetaileddiff(true);
    const topLevel = new Set<string>();
    const detailed = response.getDetaileddiffMap();
    for (const [path, kind] of Object.entries(outcome.detailedDiff)) {
        const diff = new provproto.PropertyDiff();
        diff.setKind(DIFF_KINDS[kind]);
        diff.setInputdiff(true);
        detailed.set(path, diff);
        topLevel.add(path.split(/[.[]/)[0]);
    }
    response.setDiffsList([...topLevel]);
    return response;
}

function overrides(standIn: StandIn) {
    const configure: Unary<provproto.ConfigureRequest, provproto.ConfigureResponse> = (call, callback) =>
        respond(callback, () => {
            standIn.configure(providerConfig(call.request));
            const response = new provproto.ConfigureResponse();
            response.setAcceptsecrets(true);
            response.setAcceptresources(true);
            response.setSupportspreview(true);
            return response;
        });
    const diff: Unary<provproto.DiffRequest, provproto.DiffResponse> = (call, callback) =>
        respond(callback, () => {
            const olds = toProperties(call.request.getOlds());
            const oldInputs = call.request.getOldInputs() ? toProperties(call.request.getOldInputs()) : olds;
            return diffResponse(standIn.diff(call.request.getUrn(), oldInputs, olds, toProperties(call.request.getNews())));
        });
    const create: Unary<provproto.CreateRequest, provproto.CreateResponse> = (call, callback) =>
        respond(callback, () => {
            const { id, outputs } = standIn.create(call.request.getUrn(), toProperties(call.request.getProperties()), call.request.getPreview());
            const response = new provproto.CreateResponse();
            response.setId(id);
            response.setProperties(toStruct(outputs));
            return response;
        });
    const update: Unary<provproto.UpdateRequest, provproto.UpdateResponse> = (call, callback) =>
        respond(callback, () => {
            const { request } = call;
            const outputs = standIn.update(request.getUrn(), request.getId(), toProperties(request.getOlds()), toProperties(request.getNews()), request.getPreview());
            const response = new provproto.UpdateResponse();
            response.setProperties(toStruct(outputs));
            return response;
        });
    return { configure, diff, create, update };
}

/** Starts the provider's gRPC server and prints its port, as the engine expects of a plugin. */
export async function serve(standIn: StandIn): Promise<void> {
    const addService = grpc.Server.prototype.addService;
    grpc.Server.prototype.addService = function (this: grpc.Server, service: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation) {
        const extended = service === provrpc.ResourceProviderService ? Object.assign(Object.create(implementation), overrides(standIn)) : implementation;
        addService.call(this, service, extended);
    };
    try {
        await provider.main(
            {
                version: standIn.version,
                check: async (urn, olds, news) => ({ inputs: standIn.check(urn, olds as Properties, news as Properties) }),
                read: async (id, _urn, props) => ({ id, props }),
                delete: async () => undefined,
                invoke: async (token, args) => ({ outputs: standIn.invoke(token, args as Properties) }),
            },
            process.argv.slice(2),
        );
    } finally {
        grpc.Server.prototype.addService = addService;
    }
}
