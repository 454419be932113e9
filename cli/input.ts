import * as fs from "fs";
import { notJsonReason } from "../rules/lib/json-property";
import { UsageError } from "./command-line";

/** The files the commands are given; every problem reading them is a UsageError. */

/** Reads a whole file or, for `-`, standard input. */
export function readInput(file: string, what: string): string {
    try {
        return fs.readFileSync(file === "-" ? 0 : file, "utf8");
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new UsageError(`cannot read ${what} ${file === "-" ? "from standard input" : JSON.stringify(file)}${code ? ` (${code})` : ""}`);
    }
}

/** Parses JSON without ever quoting the text (it may hold secrets): only where it stopped. */
export function parseJson(text: string, what: string): unknown {
    try {
        return JSON.parse(text);
    } catch (e) {
        throw new UsageError(`${what} is ${text.trim() === "" ? "not valid JSON (it is empty)" : notJsonReason(e)}`);
    }
}
