import { UsageError } from "../command-line";
import type { Report } from "./report";
import { renderSarif } from "./sarif";
import { renderText, styleFor } from "./text";

export type Format = "text" | "json" | "sarif";

export function parseFormat(format: string | undefined): Format {
    if (format === "text" || format === "json" || format === "sarif") {
        return format;
    }
    throw new UsageError(`--format must be text, json or sarif, not "${format}"`);
}

function renderReport(report: Report, format: Format, options: { softFail?: boolean; failIncomplete?: boolean; fallbackFile?: string; stream?: NodeJS.WriteStream } = {}): string {
    switch (format) {
        case "json":
            return JSON.stringify(report, null, 2) + "\n";
        case "sarif":
            return renderSarif(report, { fallbackFile: options.fallbackFile });
        case "text":
            return renderText(report, styleFor(options.stream ?? process.stdout), options);
    }
}

export function writeReport(report: Report, format: Format, options: { softFail?: boolean; failIncomplete?: boolean; fallbackFile?: string } = {}): void {
    process.stdout.write(renderReport(report, format, { ...options, stream: process.stdout }));
}
