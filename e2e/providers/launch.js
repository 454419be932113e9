"use strict";
/**
 * Starts a test provider (`node launch.js <aws|kubernetes> <engine address>`) from its TypeScript
 * source. The sources are transpiled once into node_modules/.cache, keyed by their content, because
 * the engine starts a provider process per provider instance and for each command: compiled, one
 * starts in about 0.35 s; through ts-node, in about 1.6 s.
 */
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const repo = path.resolve(__dirname, "..", "..");

/** The entry file and every file it imports by a relative path, transitively. */
function sources(entry) {
    const found = new Set();
    const pending = [entry];
    while (pending.length > 0) {
        const file = pending.pop();
        if (found.has(file)) {
            continue;
        }
        found.add(file);
        for (const match of fs.readFileSync(file, "utf8").matchAll(/from\s+"(\.{1,2}\/[^"]+)"/g)) {
            pending.push(path.resolve(path.dirname(file), `${match[1]}.ts`));
        }
    }
    return [...found].sort();
}

function compiled(files) {
    const ts = require("typescript");
    const hash = crypto.createHash("sha256").update(ts.version);
    for (const file of files) {
        hash.update(path.relative(repo, file)).update("\0").update(fs.readFileSync(file)).update("\0");
    }
    const cache = path.join(repo, "node_modules", ".cache", "immutable-guard-test-providers");
    const outDir = path.join(cache, hash.digest("hex").slice(0, 16));
    if (fs.existsSync(outDir)) {
        return outDir;
    }
    // Written aside and renamed, so providers starting at the same moment never read half a build.
    fs.mkdirSync(cache, { recursive: true });
    const staging = fs.mkdtempSync(path.join(cache, "build-"));
    for (const file of files) {
        const { outputText } = ts.transpileModule(fs.readFileSync(file, "utf8"), {
            fileName: file,
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true, inlineSourceMap: true },
        });
        const target = path.join(staging, path.relative(repo, file)).replace(/\.ts$/, ".js");
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, outputText);
    }
    try {
        fs.renameSync(staging, outDir);
    } catch (e) {
        fs.rmSync(staging, { recursive: true, force: true });
        if (!fs.existsSync(outDir)) {
            throw e;
        }
    }
    // Builds of older sources go once nothing can still be starting from them.
    const hourAgo = Date.now() - 3600_000;
    for (const entry of fs.readdirSync(cache)) {
        const old = path.join(cache, entry);
        if (old !== outDir && fs.statSync(old).mtimeMs < hourAgo) {
            fs.rmSync(old, { recursive: true, force: true });
        }
    }
    return outDir;
}

const [name] = process.argv.splice(2, 1);
const entry = path.join(__dirname, `${name}.ts`);
if (!name || !fs.existsSync(entry)) {
    process.stderr.write(`usage: launch.js <provider> <engine address>; no test provider ${JSON.stringify(name)} in ${__dirname}\n`);
    process.exit(2);
}
const outDir = compiled([...sources(entry), path.join(__dirname, "lib", "serve.ts")]);
const provider = require(path.join(outDir, path.relative(repo, __dirname), `${name}.js`));
const { serve } = require(path.join(outDir, path.relative(repo, __dirname), "lib", "serve.js"));
serve(provider.createStandIn());
