import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { isConsoleError } from "../errors/console-error.js";
import { addAccount } from "./account-file.js";
import { loadAccounts, parseAccounts } from "./account-store.js";
import { hashPassword, isPasswordHash, verifyPassword } from "./password-hash.js";

describe("passwords", () => {
  it("hash with scrypt, verify, and refuse a wrong password or a malformed hash", async () => {
    const h = await hashPassword("correct horse battery", { logN: 10 });
    assert.ok(isPasswordHash(h));
    assert.match(h, /^scrypt\$10\$8\$1\$/);
    assert.equal(await verifyPassword("correct horse battery", h), true);
    assert.equal(await verifyPassword("correct horse batterY", h), false);
    assert.notEqual(await hashPassword("correct horse battery", { logN: 10 }), h, "salted");
    assert.equal(await verifyPassword("x", "plain-text"), false);
    assert.equal(await verifyPassword("x", h.replace("scrypt$10", "scrypt$30")), false, "absurd cost refused");
  });
});

describe("accounts", () => {
  it("adds accounts to a 0600 file, replaces by username, and authenticates them", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hutong-accounts-"));
    try {
      const file = join(dir, "accounts.yaml");
      await addAccount(file, {
        username: "ops",
        displayName: "运营",
        role: "province",
        province: "510000",
        password: "a-long-password-1",
      });
      await addAccount(file, { username: "aud", displayName: "审计", role: "auditor", password: "a-long-password-2" });
      await addAccount(file, {
        username: "ops",
        displayName: "运营",
        role: "province",
        province: "510000",
        password: "a-long-password-3",
      });
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      const text = await readFile(file, "utf8");
      assert.ok(!text.includes("a-long-password"), "no password in clear");
      assert.equal((parse(text) as { accounts: unknown[] }).accounts.length, 2);
      const store = await loadAccounts(file);
      assert.equal(await store.authenticate("ops", "a-long-password-1"), undefined, "the replaced password");
      assert.deepEqual(await store.authenticate("ops", "a-long-password-3"), {
        username: "ops",
        displayName: "运营",
        role: "province",
        province: "510000",
      });
      assert.equal(await store.authenticate("nobody", "a-long-password-3"), undefined);
      await assert.rejects(
        addAccount(file, { username: "x1", displayName: "x", role: "auditor", password: "short" }),
        (e) => isConsoleError(e, "invalid-argument"),
      );
      await assert.rejects(
        addAccount(file, { username: "x1", displayName: "x", role: "province", password: "a-long-password-4" }),
        (e) => isConsoleError(e, "invalid-config") && /province is required/.test(e.message),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses a file with duplicates, a holder without a digest, or a password in clear", () => {
    const hash = "scrypt$10$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    const a = { username: "ab", displayName: "A", role: "auditor", password: hash };
    assert.throws(() => parseAccounts({ accounts: [a, a] }), /listed twice/);
    assert.throws(() => parseAccounts({ accounts: [{ ...a, role: "holder" }] }), /subjectDigest is required/);
    assert.throws(() => parseAccounts({ accounts: [{ ...a, password: "hunter2hunter2" }] }), /scrypt hash/);
    assert.throws(() => parseAccounts({ accounts: [{ ...a, username: "Not Valid" }] }), /username/);
  });
});
