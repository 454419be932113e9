import * as fs from "fs";
import * as path from "path";
import type { Fixture } from "./harness";

/** Loads `test/fixtures/<policy>/<name>.json`, a resource as the engine sends it. */
export function fixture(policy: string, name: string): Fixture {
    const file = path.join(__dirname, "..", "fixtures", policy, `${name}.json`);
    return JSON.parse(fs.readFileSync(file, "utf8")) as Fixture;
}

/** A deep copy to change one field of a known-good fixture. */
export function clone<T>(value: T): T {
    return JSON.parse(JSON.stringify(value)) as T;
}

export const DIGEST = "3f4d2c1b9e8a7f6d5c4b3a291817161514131211100f0e0d0c0b0a0908070605";
