/**
 * `npm run bench -- --only cli` on the smallest program: the benchmark's `pulumi preview` part still
 * deploys, locks and previews under the real CLI. Its timings are not asserted, only their shape.
 */
import { strict as assert } from "assert";
import { execFile } from "child_process";
import { promisify } from "util";
import { hasFigures, PREVIEW_ARMS, type BenchResult } from "../bench/report";
import { REPO } from "./lib/workspace";

describe("the benchmark's pulumi preview part", () => {
    let result: BenchResult;

    before(async () => {
        const { stdout } = await promisify(execFile)(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", "bench/run.ts", "--only", "cli", "--quick", "--preview-sizes", "10", "--json"],
            { cwd: REPO, maxBuffer: 16 * 1024 * 1024 },
        );
        result = JSON.parse(stdout) as BenchResult;
    });

    it("times every arm on a deployed, locked stack whose previews change nothing", () => {
        assert.equal(result.grpc, undefined, "--only cli leaves the gRPC part out");
        assert.ok(result.preview && hasFigures(result.preview), JSON.stringify(result.preview));
        const preview = result.preview;
        assert.match(preview.cli.version, /^v3\.\d+\.\d+/);
        const [row] = preview.rows;
        assert.equal(row.resources, 10);
        assert.equal(row.unchanged, 11, "the program's resources and its stack");
        assert.equal(row.locked, 3, "the flagged bucket, repository and ConfigMap");
        for (const arm of PREVIEW_ARMS) {
            assert.equal(row.ms[arm].samples.length, preview.repetitions);
            assert.ok(row.ms[arm].samples.every((ms) => ms > 0), arm);
        }
        assert.equal(row.overheadPercent, (row.ms["immutable-guard"].median / row.ms["empty pack"].median - 1) * 100);
        assert.deepEqual(result.verdicts.map((v) => v.value), [row.overheadPercent]);
    });
});
