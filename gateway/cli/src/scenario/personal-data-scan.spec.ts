import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { scanForPersonalData } from "./personal-data-scan.js";

describe("scanForPersonalData", () => {
  it("finds a needle byte for byte in any file below the directory, names as UTF-8, and skips the PKI", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hutong-scan-"));
    try {
      await mkdir(join(dir, "prov_510000"), { recursive: true });
      await mkdir(join(dir, "pki"), { recursive: true });
      await writeFile(
        join(dir, "prov_510000", "hutong.db-wal"),
        Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from("x510101199001011234y")]),
      );
      await writeFile(join(dir, "mot.log"), "passenger 王伟 boarded\n");
      await writeFile(join(dir, "pki", "key.pem"), "510101199001011234 王伟");
      await writeFile(join(dir, "clean.sqlite"), "510101199001011235 王芳");
      const hits = await scanForPersonalData(dir, new Set(["510101199001011234", "王伟", "13800000000", ""]));
      assert.deepEqual(hits.map((h) => `${h.file} ${h.needle}`).sort(), [
        "mot.log 王伟",
        "prov_510000/hutong.db-wal 510101199001011234",
      ]);
      assert.deepEqual(await scanForPersonalData(dir, new Set(["13800000000"])), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
