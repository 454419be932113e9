import { currentFlagRules, flagOf } from "./flagging";
import type { Finding, ResourceView } from "./policy";

/**
 * Keeps findings that matter only for a resource flagged immutable: all of them when it is
 * flagged, none when it is not. While its tags or labels are unknown (preview), they are kept
 * as advisory, so a resource that may be flagged is never passed silently.
 */
export function onlyIfFlagged<F extends Finding>(subject: Pick<ResourceView, "type" | "urn" | "name" | "props">, findings: Iterable<F>): F[] {
    const list = [...findings];
    if (list.length === 0) {
        return list;
    }
    const verdict = flagOf(subject, currentFlagRules());
    if (verdict.flagged === true) {
        return list;
    }
    if (verdict.flagged === false) {
        return [];
    }
    const note = `(This applies only if ${subject.name} is flagged immutable, which depends on its ${verdict.path}, ` +
        "unknown during preview; checked again when `pulumi up` runs.)";
    return list.map((f) => ({ ...f, advisory: true, message: `${f.message} ${note}` }));
}
