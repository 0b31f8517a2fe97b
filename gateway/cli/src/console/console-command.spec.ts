import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { keyedSubjectDigest } from "@hutong/certs";
import { loadAccounts } from "@hutong/console";
import { IdType } from "@hutong/proto";
import { runHutong } from "../testing.js";

// `hutong console add-account`: secrets on standard input only, every refusal a usage error.

describe("hutong console add-account", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-console-cli-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("adds a province operator from stdin, and the console can then sign them in", async () => {
    const file = join(dir, "accounts.yaml");
    const r = await runHutong(
      [
        "console",
        "add-account",
        "--accounts",
        file,
        "--username",
        "sc-ops",
        "--role",
        "province",
        "--province",
        "510000",
      ],
      "a-long-password-123\n",
    );
    assert.equal(r.code, 0, r.stderr);
    const text = await readFile(file, "utf8");
    assert.ok(!text.includes("a-long-password-123"));
    const store = await loadAccounts(file);
    assert.equal((await store.authenticate("sc-ops", "a-long-password-123"))?.province, "510000");
  });

  it("adds a holder by the digest of the ID number read from stdin, never the number", async () => {
    const file = join(dir, "holders.yaml");
    const keyFile = join(dir, "subject.key");
    const key = Buffer.alloc(32, 9);
    await writeFile(keyFile, key.toString("hex"));
    const idNo = "510000199001011234";
    const r = await runHutong(
      [
        "console",
        "add-account",
        "--accounts",
        file,
        "--username",
        "zhang",
        "--role",
        "holder",
        "--subject-key-file",
        keyFile,
      ],
      `holder-password-1\n${idNo}\n`,
    );
    assert.equal(r.code, 0, r.stderr);
    const text = await readFile(file, "utf8");
    assert.ok(!text.includes(idNo) && !r.stderr.includes(idNo));
    const expected = Buffer.from(keyedSubjectDigest(key, IdType.ID_TYPE_RESIDENT_ID_CARD, idNo)).toString("hex");
    assert.equal(
      (await (await loadAccounts(file)).authenticate("zhang", "holder-password-1"))?.subjectDigestHex,
      expected,
    );
  });

  it("refuses a bad role, a province without one, a short password and a missing stdin line, with exit 2", async () => {
    const file = join(dir, "bad.yaml");
    const base = ["console", "add-account", "--accounts", file, "--username", "x1"];
    for (const [args, input, pattern] of [
      [["--role", "admin"], "a-long-password-1\n", /--role must be one of/],
      [["--role", "province"], "a-long-password-1\n", /--province is for/],
      [["--role", "auditor"], "short\n", /at least 12 characters/],
      [["--role", "auditor"], "", /expected 1 line/],
    ] as const) {
      const r = await runHutong([...base, ...args], input);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, pattern);
    }
  });
});
