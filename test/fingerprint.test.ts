import { strict as assert } from "assert";
import { canonicalJson, Fingerprinter, isFingerprint, isSalt, newSalt } from "../rules/lib/fingerprint";

const URN = "urn:pulumi:prod::shop::aws:s3/bucket:Bucket::audit-logs";

describe("fingerprints", () => {
    it("writes canonical JSON with keys sorted at every level", () => {
        assert.equal(canonicalJson({ b: 1, a: { d: [2, { f: null, e: "x" }], c: true } }), '{"a":{"c":true,"d":[2,{"e":"x","f":null}]},"b":1}');
        assert.equal(canonicalJson({ a: undefined, b: [undefined] }), '{"b":[null]}');
    });

    it("gives the same fingerprint whatever the key order", () => {
        const fingerprints = new Fingerprinter(newSalt());
        assert.equal(fingerprints.of(URN, "tags", { env: "prod", team: "a" }), fingerprints.of(URN, "tags", { team: "a", env: "prod" }));
    });

    it("depends on the salt, the resource and the path as well as the value", () => {
        const salt = newSalt();
        const a = new Fingerprinter(salt).of(URN, "password", "hunter2");
        assert.notEqual(new Fingerprinter(newSalt()).of(URN, "password", "hunter2"), a);
        assert.notEqual(new Fingerprinter(salt).of(`${URN}-2`, "password", "hunter2"), a);
        assert.notEqual(new Fingerprinter(salt).of(URN, "username", "hunter2"), a);
        assert.equal(new Fingerprinter(salt).of(URN, "password", "hunter2"), a);
    });

    it("makes 256-bit salts and 128-bit fingerprints in base64url", () => {
        const salt = newSalt();
        assert.ok(isSalt(salt));
        assert.equal(Buffer.from(salt, "base64url").length, 32);
        const fingerprint = new Fingerprinter(salt).of(URN, "", {});
        assert.ok(isFingerprint(fingerprint));
        assert.equal(Buffer.from(fingerprint, "base64url").length, 16);
    });
});
