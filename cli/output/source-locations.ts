import * as fs from "fs";
import * as path from "path";
import type * as TS from "typescript";
import { variableName } from "../../rules/lib/findings";

/** Where a program declares a resource, and the variable it assigns the resource to, if any. */
export interface Declaration {
    file: string;
    line: number;
    variable?: string;
}

/** A part of a logical name the program computes at run time (a stack name, a parameter). */
const ANY = Symbol("any");
type NamePart = string | typeof ANY;

/** A `new X(name, …)` in the program, with what can be told statically of the name it passes. */
interface Construction {
    file: string;
    line: number;
    className: string;
    name: NamePart[];
    variable?: string;
}

/** TypeScript once loaded; `null` where it cannot be. */
let typescript: typeof TS | null | undefined;

/**
 * Loaded only when a finding needs a location. TypeScript is a devDependency of the pack, so an
 * install of its production dependencies has none: constructions are then not read, and a resource
 * is located by a string literal of its name only, else at the entry file.
 */
function loadTypeScript(): typeof TS | undefined {
    if (typescript === undefined) {
        try {
            typescript = require("typescript") as typeof TS;
        } catch {
            typescript = null;
        }
    }
    return typescript ?? undefined;
}

function concat(...parts: NamePart[][]): NamePart[] {
    const out: NamePart[] = [];
    for (const part of parts.flat()) {
        const last = out[out.length - 1];
        if (typeof part === "string" && typeof last === "string") {
            out[out.length - 1] = last + part;
        } else if (!(part === ANY && last === ANY) && part !== "") {
            out.push(part);
        }
    }
    return out;
}

function literalLength(parts: readonly NamePart[]): number {
    return parts.reduce((n, p) => n + (typeof p === "string" ? p.length : 0), 0);
}

function matches(parts: readonly NamePart[], name: string): boolean {
    const source = parts.map((p) => (p === ANY ? "[^]*?" : p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join("");
    return new RegExp(`^${source}$`).test(name);
}

/** The class a type token is generated as: `aws:s3/bucket:Bucket` → `Bucket`; providers are `Provider`. */
function classOf(type: string): string {
    return type.startsWith("pulumi:providers:") ? "Provider" : type.slice(type.lastIndexOf(":") + 1);
}

/** Reads the constructions of one source file: the name each passes, as far as constants tell it. */
function constructionsIn(file: string, text: string): Construction[] {
    const ts = loadTypeScript();
    if (!ts) {
        return [];
    }
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const found: Construction[] = [];

    /** The initializer of the `const` an identifier refers to, by the lexical scopes around it. */
    const constantOf = (id: TS.Identifier): TS.Expression | undefined => {
        const declares = (d: TS.VariableDeclaration | TS.ParameterDeclaration) => ts.isIdentifier(d.name) && d.name.text === id.text;
        for (let node: TS.Node | undefined = id.parent; node; node = node.parent) {
            if (ts.isFunctionLike(node) && node.parameters.some(declares)) {
                return undefined;
            }
            if ((ts.isForOfStatement(node) || ts.isForInStatement(node) || ts.isForStatement(node)) &&
                node.initializer && ts.isVariableDeclarationList(node.initializer) && node.initializer.declarations.some(declares)) {
                return undefined;
            }
            if (ts.isBlock(node) || ts.isSourceFile(node) || ts.isModuleBlock(node)) {
                for (const statement of node.statements) {
                    const declaration = ts.isVariableStatement(statement) ? statement.declarationList.declarations.find(declares) : undefined;
                    if (declaration) {
                        const constant = (statement as TS.VariableStatement).declarationList.flags & ts.NodeFlags.Const;
                        return constant ? declaration.initializer : undefined;
                    }
                }
            }
        }
        return undefined;
    };

    const nameOf = (expression: TS.Expression, depth: number): NamePart[] => {
        if (ts.isStringLiteral(expression) || ts.isNoSubstitutionTemplateLiteral(expression)) {
            return [expression.text];
        }
        if (ts.isTemplateExpression(expression)) {
            return concat([expression.head.text], ...expression.templateSpans.map((span) => concat(nameOf(span.expression, depth), [span.literal.text])));
        }
        if (ts.isBinaryExpression(expression) && expression.operatorToken.kind === ts.SyntaxKind.PlusToken) {
            return concat(nameOf(expression.left, depth), nameOf(expression.right, depth));
        }
        if (ts.isParenthesizedExpression(expression) || ts.isAsExpression(expression) || ts.isNonNullExpression(expression) || ts.isSatisfiesExpression(expression)) {
            return nameOf(expression.expression, depth);
        }
        const constant = ts.isIdentifier(expression) ? constantOf(expression) : undefined;
        return constant && depth < 8 ? nameOf(constant, depth + 1) : [ANY];
    };

    const assignedTo = (node: TS.Node): string | undefined => {
        let parent = node.parent;
        while (ts.isParenthesizedExpression(parent) || ts.isAsExpression(parent) || ts.isNonNullExpression(parent) || ts.isSatisfiesExpression(parent)) {
            parent = parent.parent;
        }
        if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) {
            return parent.name.text;
        }
        if (ts.isPropertyDeclaration(parent) && ts.isIdentifier(parent.name)) {
            return `this.${parent.name.text}`;
        }
        if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
            (ts.isIdentifier(parent.left) || ts.isPropertyAccessExpression(parent.left))) {
            return parent.left.getText(source);
        }
        return undefined;
    };

    const collectConstructions = (node: TS.Node): void => {
        if (ts.isNewExpression(node) && node.arguments && node.arguments.length > 0) {
            const callee = node.expression;
            const className = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : "";
            const argument = node.arguments[0];
            found.push({
                file,
                line: source.getLineAndCharacterOfPosition(argument.getStart(source)).line + 1,
                className,
                name: nameOf(argument, 0),
                variable: assignedTo(node),
            });
        }
        ts.forEachChild(node, collectConstructions);
    };
    collectConstructions(source);
    return found;
}

/**
 * Finds where a program declares a resource: the constructor call that passes its logical name,
 * whether written as a literal, a template literal (`${prefix}-db`), a concatenation or a
 * constant; the name argument's line is the location. Otherwise the line of a string literal equal
 * to the name (a helper called with it), otherwise the one constructor of the resource's class
 * whose name the program computes. Nothing found: the caller points at the entry file.
 */
export class SourceIndex {
    private readonly texts = new Map<string, string[]>();
    private constructions: Construction[] | undefined;

    constructor(private readonly files: readonly string[]) {}

    /** The entry file first, then the program's other sources (not node_modules, not hidden). */
    static forProgram(dir: string, entry: string, maxFiles = 200): SourceIndex {
        const files = [entry];
        const walk = (current: string, depth: number) => {
            for (const item of fs.readdirSync(current, { withFileTypes: true })) {
                if (files.length >= maxFiles || item.name.startsWith(".") || item.name === "node_modules" || item.name === "bin") {
                    continue;
                }
                const full = path.join(current, item.name);
                if (item.isDirectory() && depth < 4) {
                    walk(full, depth + 1);
                } else if (/\.(ts|js|mts|cts|mjs|cjs)$/.test(item.name) && !item.name.endsWith(".d.ts") && full !== entry) {
                    files.push(full);
                }
            }
        };
        walk(dir, 0);
        return new SourceIndex(files);
    }

    private lines(file: string): string[] {
        let lines = this.texts.get(file);
        if (!lines) {
            try {
                lines = fs.readFileSync(file, "utf8").split(/\r?\n/);
            } catch {
                lines = [];
            }
            this.texts.set(file, lines);
        }
        return lines;
    }

    private allConstructions(): Construction[] {
        this.constructions ??= this.files.flatMap((file) => constructionsIn(file, this.lines(file).join("\n")));
        return this.constructions;
    }

    /** Where the resource is declared, else the program's entry file: every finding gets a place. */
    declaration(name: string, type = ""): Declaration {
        return this.locate(name, type) ?? { file: this.files[0], line: 1 };
    }

    locate(name: string, type = ""): Declaration | undefined {
        const ofClass = (c: Construction) => (type !== "" && c.className === classOf(type) ? 1 : 0);
        const candidates = this.allConstructions().filter((c) => matches(c.name, name));
        const exact = candidates.filter((c) => c.name.every((p) => p !== ANY));
        const patterns = candidates.filter((c) => c.name.includes(ANY) && literalLength(c.name) > 0);
        const computed = candidates.filter((c) => literalLength(c.name) === 0 && ofClass(c) === 1);
        const best = (list: Construction[]) => [...list].sort((a, b) => ofClass(b) - ofClass(a) || literalLength(b.name) - literalLength(a.name))[0];
        const found = best(exact) ?? this.literal(name) ?? best(patterns);
        if (found) {
            return "className" in found && found.variable ? { file: found.file, line: found.line, variable: found.variable } : { file: found.file, line: found.line };
        }
        // A helper that constructs whatever it is given: its variable is not the caller's.
        return computed.length === 1 ? { file: computed[0].file, line: computed[0].line } : undefined;
    }

    /** The first line holding the name as a string literal, such as a call to a helper that constructs it. */
    private literal(name: string): Declaration | undefined {
        const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        const literal = new RegExp(`(["'\`])${escaped}\\1`);
        for (const file of this.files) {
            const line = this.lines(file).findIndex((text) => literal.test(text));
            if (line >= 0) {
                return { file, line: line + 1 };
            }
        }
        return undefined;
    }
}

/**
 * A fix the pack suggests refers to a resource by a variable named after its logical name (it
 * cannot see the program); where the program assigns the resource to a variable of its own, the
 * message names that one instead.
 */
export function withProgramVariable(message: string, name: string, declaration: Declaration): string {
    const guessed = variableName(name);
    if (!declaration.variable || declaration.variable === guessed) {
        return message;
    }
    // Only in code spans, where a property of the guessed variable is read (`bucket: devReports.id`),
    // never a host or a quoted value that happens to start with the same word (`"api.example.com"`).
    const reference = new RegExp(`(?<=[\\s:(,{[])${guessed}(?=\\.[A-Za-z_$])`, "g");
    const variable = declaration.variable;
    return message.replace(/`[^`]*`/g, (code) => code.replace(reference, variable));
}
