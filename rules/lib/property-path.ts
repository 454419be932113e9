/**
 * Property paths written the way the Pulumi engine writes them (`PropertyPath.String()` in the Go SDK),
 * so a path in a message, in a lock and in `pulumi preview --json`'s `detailedDiff` is the same string:
 * `tags.env`, `spec.template.spec.containers[0].image`, `metadata.labels["app.kubernetes.io/name"]`.
 */

export type Segment = string | number;

/** A pattern segment `*` (written `[*]` or `.*`) matches any key or index. */
const ANY = "*";

const BARE_KEY = /^[A-Za-z0-9_]+$/;

function keySegment(key: string, first: boolean): string {
    if (BARE_KEY.test(key)) {
        return first ? key : `.${key}`;
    }
    // The engine escapes only the double quote inside a quoted key.
    return `["${key.replace(/"/g, '\\"')}"]`;
}

/** A key that is not a bare identifier is appended quoted, as the engine writes it: `labels["app.kubernetes.io/name"]`. */
export function appendKey(path: string, key: string): string {
    return path + keySegment(key, path === "");
}

export function appendIndex(path: string, index: number): string {
    return `${path}[${index}]`;
}

export function formatPath(segments: readonly Segment[]): string {
    let path = "";
    for (const segment of segments) {
        path = typeof segment === "number" ? appendIndex(path, segment) : appendKey(path, segment);
    }
    return path;
}

/**
 * Parses a property path as the engine does (bare keys run to the next `.` or `[`; `["…"]` quotes a key;
 * `[n]` indexes an array; `[*]` is a wildcard). Returns undefined for a malformed path.
 */
export function parsePath(text: string): Segment[] | undefined {
    const segments: Segment[] = [];
    let rest = text;
    if (rest === "" || rest.startsWith(".")) {
        return undefined;
    }
    while (rest.length > 0) {
        if (rest[0] === ".") {
            rest = rest.slice(1);
            if (rest === "" || rest[0] === ".") {
                return undefined;
            }
            continue;
        }
        if (rest[0] === "[") {
            if (rest[1] === '"') {
                let key = "";
                let i = 2;
                for (; i < rest.length && rest[i] !== '"'; i++) {
                    if (rest[i] === "\\" && rest[i + 1] === '"') {
                        i++;
                    }
                    key += rest[i];
                }
                if (i >= rest.length || rest[i + 1] !== "]") {
                    return undefined;
                }
                segments.push(key);
                rest = rest.slice(i + 2);
                continue;
            }
            const close = rest.indexOf("]");
            const inside = close > 0 ? rest.slice(1, close) : "";
            if (inside === ANY) {
                segments.push(ANY);
            } else if (/^\d+$/.test(inside)) {
                segments.push(Number(inside));
            } else {
                return undefined;
            }
            rest = rest.slice(close + 1);
            continue;
        }
        const end = rest.search(/[.[]/);
        const key = end === -1 ? rest : rest.slice(0, end);
        segments.push(key);
        rest = end === -1 ? "" : rest.slice(end);
    }
    return segments;
}

/** True when `path` is `pattern` or lies beneath it; `*` in the pattern matches any one segment. */
export function isAtOrBelow(pattern: readonly Segment[], path: readonly Segment[]): boolean {
    if (path.length < pattern.length) {
        return false;
    }
    for (let i = 0; i < pattern.length; i++) {
        const want = pattern[i];
        if (want !== ANY && want !== path[i] && String(want) !== String(path[i])) {
            return false;
        }
    }
    return true;
}
