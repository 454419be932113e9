import * as fs from "fs";
import * as path from "path";

/**
 * Finds where a program declares a resource: the line where its logical name is written as a
 * string literal, preferring `new X("name", …)`. Names built at run time (`${prefix}-db`) are not
 * found; the caller then points at the entry file.
 */
export class SourceIndex {
    private readonly texts = new Map<string, string[]>();

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

    /** Where the resource is declared, else the program's entry file: every finding gets a place. */
    declaration(name: string): { file: string; line: number } {
        return this.locate(name) ?? { file: this.files[0], line: 1 };
    }

    locate(name: string): { file: string; line: number } | undefined {
        const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        const literal = new RegExp(`(["'\`])${escaped}\\1`);
        const constructed = new RegExp(`new\\s+[\\w$.]+(?:<[^>]*>)?\\s*\\(\\s*(["'\`])${escaped}\\1`);
        let fallback: { file: string; line: number } | undefined;
        for (const file of this.files) {
            const lines = this.lines(file);
            for (let i = 0; i < lines.length; i++) {
                if (constructed.test(lines[i])) {
                    return { file, line: i + 1 };
                }
                if (!fallback && literal.test(lines[i])) {
                    fallback = { file, line: i + 1 };
                }
            }
        }
        return fallback;
    }
}
