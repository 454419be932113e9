import { strict as assert } from "assert";
import { link } from "../rules/lib/correlation";
import type { ResourceView } from "../rules/lib/policy";
import { UNKNOWN_STRING } from "../rules/lib/unknowns";

function view(name: string, props: Record<string, unknown>, propertyDependencies: Record<string, string[]> = {}, dependencies: string[] = []): ResourceView {
    return { type: "t", urn: `urn:${name}`, name, props, opts: { ignoreChanges: [], protect: false, aliases: [] }, dependencies, propertyDependencies };
}

const options = { property: "target", targetNames: ["name", "id"] };
const names = (resources: readonly ResourceView[]) => resources.map((r) => r.name);

describe("linking configuring resources to their targets", () => {
    const a = view("a", { name: "alpha" });
    const b = view("b", { name: "beta", id: "beta" });
    const generated = view("generated", { name: UNKNOWN_STRING });

    it("links by the property dependency when the value is unknown", () => {
        const links = link([a, b], [view("x", { target: UNKNOWN_STRING }, { target: ["urn:b"] })], options);
        assert.deepEqual(names(links.of(b)), ["x"]);
        assert.deepEqual(names(links.of(a)), []);
    });

    it("links by a known name, read from any of the target's name properties", () => {
        const byId = view("by-id", { id: "i-123" });
        const links = link([a, byId], [view("x", { target: "alpha" }), view("y", { target: "i-123" })], options);
        assert.deepEqual(names(links.of(a)), ["x"]);
        assert.deepEqual(names(links.of(byId)), ["y"]);
    });

    it("prefers the target that both the name and the dependency point to", () => {
        const twin = view("twin", { name: "alpha" });
        const links = link([a, twin], [view("x", { target: "alpha" }, { target: ["urn:twin"] })], options);
        assert.deepEqual(names(links.of(twin)), ["x"]);
        assert.deepEqual(names(links.of(a)), []);
    });

    it("links a name two targets share to neither, as possibly either of them", () => {
        const twin = view("twin", { name: "alpha" });
        const links = link([a, twin], [view("x", { target: "alpha" })], options);
        assert.deepEqual([a, twin].map((t) => names(links.of(t))), [[], []]);
        assert.deepEqual([a, twin].map((t) => names(links.maybeOf(t))), [["x"], ["x"]]);
    });

    it("leaves a value built from two targets unresolved, as possibly either of them", () => {
        const links = link([a, b, generated], [view("x", { target: UNKNOWN_STRING }, { target: ["urn:a", "urn:b"] })], options);
        assert.deepEqual([a, b, generated].map((t) => names(links.maybeOf(t))), [["x"], ["x"], []]);
        assert.deepEqual(names(links.of(a)), []);
    });

    it("treats an unknown value that came from no target as possibly any target", () => {
        const links = link([a, b], [view("x", { target: UNKNOWN_STRING }, { target: ["urn:random"] })], options);
        assert.deepEqual([a, b].map((t) => names(links.maybeOf(t))), [["x"], ["x"]]);
    });

    it("keeps a known name that no target has as possibly a target whose name is unknown", () => {
        const links = link([a, generated], [view("x", { target: "gamma" })], options);
        assert.deepEqual(names(links.maybeOf(a)), []);
        assert.deepEqual(names(links.maybeOf(generated)), ["x"]);
    });

    it("falls back to the resource's dependencies when no per-property dependencies are sent", () => {
        const links = link([a, b], [view("x", { target: UNKNOWN_STRING }, {}, ["urn:b", "urn:provider"])], options);
        assert.deepEqual(names(links.of(b)), ["x"]);
    });

    it("does not guess among several dependencies", () => {
        const links = link([a, b], [view("x", { target: UNKNOWN_STRING }, {}, ["urn:a", "urn:b"])], options);
        assert.deepEqual([a, b].map((t) => names(links.of(t))), [[], []]);
        assert.deepEqual(names(links.maybeOf(a)), ["x"]);
    });
});
