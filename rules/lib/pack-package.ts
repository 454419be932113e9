import * as fs from "fs";
import * as path from "path";

/**
 * The directory of the installed immutable-guard package, found from this file whether it runs as
 * TypeScript (`rules/lib`) or compiled (`bin/rules/lib`), in a clone or as a published pack.
 */
export const packRoot: string | undefined = (() => {
    for (let dir = __dirname; ; dir = path.dirname(dir)) {
        const file = path.join(dir, "package.json");
        if (fs.existsSync(file) && (JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string }).name === "immutable-guard") {
            return dir;
        }
        if (path.dirname(dir) === dir) {
            return undefined;
        }
    }
})();

export const packVersion: string = packRoot
    ? (JSON.parse(fs.readFileSync(path.join(packRoot, "package.json"), "utf8")) as { version?: string }).version ?? "0.0.0"
    : "0.0.0";
