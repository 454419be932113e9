import { strict as assert } from "assert";
import * as path from "path";
import { immutableGuard } from "./immutable-guard";
import { PACK_DIR, Program, REPO, Workspace } from "./workspace";

/** The secret input of e2e/programs/locked-stack: it must never show outside an export made with --show-secrets. */
export const CANARY = "e2e-canary-5f0c2a9d41b7";

/**
 * Whether text holds the secret as written or as Kubernetes stores it: the provider's Check turns a
 * Secret's `stringData` into base64 `data`.
 */
export function holdsSecret(text: string, secret = CANARY): boolean {
    return text.includes(secret) || text.includes(Buffer.from(secret).toString("base64"));
}

export interface LockedStack {
    program: Program;
    /** Lock config made from `pulumi stack export --show-secrets`. */
    lockConfig: string;
    /** Lock config made from a plain `pulumi stack export`. */
    encryptedLockConfig: string;
    /** The `pulumi stack export --show-secrets` document. */
    exported: string;
}

/** `pulumi up` of e2e/programs/locked-stack, then both exports locked with `immutable-guard lock`. */
export async function deployLockedStack(workspace: Workspace): Promise<LockedStack> {
    const program = workspace.program(path.join(REPO, "e2e", "programs", "locked-stack"));
    await program.init();
    const up = await program.must(["up", "--yes", "--non-interactive", "--policy-pack", PACK_DIR]);
    assert.ok(!holdsSecret(up.stdout), "the secret appears in `pulumi up` output");

    const plain = await program.must(["stack", "export", "--show-secrets"]);
    const encrypted = await program.must(["stack", "export"]);
    assert.ok(holdsSecret(plain.stdout), "the export with --show-secrets holds the secret in plaintext");
    assert.ok(!holdsSecret(encrypted.stdout), "the plain export holds the secret in plaintext");

    const lockConfig = path.join(workspace.root, "lock-config.json");
    const encryptedLockConfig = path.join(workspace.root, "lock-config-encrypted.json");
    for (const [out, exported] of [
        [lockConfig, plain.stdout],
        [encryptedLockConfig, encrypted.stdout],
    ]) {
        const locked = await immutableGuard(["lock", "-", "--out", out], exported);
        assert.equal(locked.code, 0, locked.stderr);
    }
    return { program, lockConfig, encryptedLockConfig, exported: plain.stdout };
}
