/**
 * Node.js module hooks that load an ES-module TypeScript program through ts-node, registered by
 * the program host with `module.register` as the Pulumi language host registers its own. They run
 * on Node's loader thread, so ts-node is loaded there from the path the host resolved.
 */

interface HookData {
    /** ts-node as resolved from the program, else from the pack. */
    tsNode: string;
    options: object;
}

type Hook = (target: string, context: object, next: (target: string, context?: object) => unknown) => unknown;

interface TsNode {
    register(options: object): unknown;
    createEsmHooks(service: unknown): { resolve: Hook; load: Hook };
}

let hooks: { resolve: Hook; load: Hook } | undefined;

export function initialize(data: HookData): void {
    const tsNode = require(data.tsNode) as TsNode;
    hooks = tsNode.createEsmHooks(tsNode.register(data.options));
}

export const resolve: Hook = (specifier, context, next) => (hooks ? hooks.resolve(specifier, context, next) : next(specifier, context));

export const load: Hook = (url, context, next) => (hooks ? hooks.load(url, context, next) : next(url, context));
