import { strict as assert } from "assert";
import { appendIndex, appendKey, formatPath, isAtOrBelow, parsePath } from "../rules/lib/property-path";

describe("property paths", () => {
    it("writes paths as the engine does: bare names, quoted keys, indexes", () => {
        assert.equal(formatPath(["spec", "template", "spec", "containers", 0, "image"]), "spec.template.spec.containers[0].image");
        assert.equal(formatPath(["metadata", "labels", "app.kubernetes.io/name"]), 'metadata.labels["app.kubernetes.io/name"]');
        assert.equal(formatPath(["tags", "cost-center"]), 'tags["cost-center"]');
        assert.equal(formatPath(["data", 'say "hi"']), 'data["say \\"hi\\""]');
        assert.equal(appendIndex(appendKey("", "rules"), 2), "rules[2]");
    });

    it("reads back what it writes", () => {
        for (const segments of [["a"], ["spec", "containers", 3, "env", 0, "value"], ["labels", "app.kubernetes.io/name"], ["x", 'q"uote'], ["tags", ""]]) {
            assert.deepEqual(parsePath(formatPath(segments)), segments);
        }
    });

    it("reads the looser forms users write", () => {
        assert.deepEqual(parsePath('tags["env"]'), ["tags", "env"]);
        assert.deepEqual(parsePath("tags.cost-center"), ["tags", "cost-center"]);
        assert.deepEqual(parsePath("spec.containers[*].image"), ["spec", "containers", "*", "image"]);
    });

    it("refuses malformed paths", () => {
        for (const text of ["", ".a", "a..b", "a[", "a[x]", 'a["b']) {
            assert.equal(parsePath(text), undefined, text);
        }
    });

    it("matches a path at or below a pattern, with * for any one segment", () => {
        assert.ok(isAtOrBelow(["spec", "replicas"], ["spec", "replicas"]));
        assert.ok(isAtOrBelow(["spec"], ["spec", "template", "spec"]));
        assert.ok(isAtOrBelow(["containers", "*", "image"], ["containers", 2, "image"]));
        assert.ok(!isAtOrBelow(["spec", "replicas"], ["spec"]));
        assert.ok(!isAtOrBelow(["tags", "env"], ["tags", "environment"]));
    });
});
