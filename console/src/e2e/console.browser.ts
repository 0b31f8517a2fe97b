import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { formatVerifierKey } from "@hutong/audit";
import { parseCertificatePem } from "@hutong/certs";
import { auditOrigin } from "@hutong/gateway/dev";
import { AuditEntry } from "@hutong/proto";
import type { Browser, Page, Response } from "playwright-core";
import type { AuditEntryView, InclusionProofView } from "../api/api-types.js";
import {
  accounts,
  apiClient,
  bystanderIdNo,
  type ConsoleFederation,
  consoleParty,
  forkWitnessOf,
  holderIdNo,
  startConsoleFederation,
} from "../testing.js";
import { chromiumMissing, launchChromium } from "./testing-browser.js";

// `npm run test:console`: the console in Debian's Chromium against a real federation with data in
// it. Every role signs in through the page; what the page shows is checked against the gateways'
// own logs and stores; the proof is checked in the page and a tampered answer refused; a proof is
// "verified" only under a log key pinned in the browser (pasted from a key computed here, out of
// band, or pinned on first use), never under the key the console sent alone; every byte the page
// received is searched for personal data it should not have had. Screenshots of the main pages go
// to a scratch directory, or to docs/console/ (the README shows them) with `npm run
// screenshots:console`, so a test run leaves the checkout as it found it.

const committedShots = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "docs", "console");
const missing = chromiumMissing();

/** Everything the page sent and received, for the personal-data checks. */
interface Traffic {
  readonly requests: { url: string; body: string }[];
  readonly responses: { url: string; body: string }[];
}

describe("the console in a real browser", { skip: missing }, () => {
  let dir: string;
  let cf: ConsoleFederation;
  let browser: Browser;
  let shots: string;
  const traffic = new Map<string, Traffic>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-console-browser-"));
    shots = process.env.HUTONG_CONSOLE_SCREENSHOTS === "docs" ? committedShots : join(dir, "screenshots");
    cf = await startConsoleFederation(dir);
    browser = await launchChromium();
    await mkdir(shots, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await cf?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function signIn(who: keyof typeof accounts, lang: "zh-CN" | "en" = "zh-CN"): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: lang });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    // Every session of a role adds to its record: the last check reads them all.
    const t: Traffic = traffic.get(who) ?? { requests: [], responses: [] };
    traffic.set(who, t);
    page.on("request", (r) => t.requests.push({ url: r.url(), body: r.postData() ?? "" }));
    page.on("response", async (r: Response) => {
      try {
        t.responses.push({ url: r.url(), body: (await r.body()).toString("utf8") });
      } catch {
        // A redirect or an aborted response has no body.
      }
    });
    await page.goto(cf.console.url);
    await page.fill("#username", accounts[who].username);
    await page.fill("#password", accounts[who].password);
    await page.click("[data-testid=sign-in]");
    await page.waitForSelector("[data-testid=me]");
    return page;
  }

  /** The (gateway, index) of every entry in the gateways' logs naming `subjectHex`. */
  async function logEntriesOf(subjectHex: string): Promise<Map<string, AuditEntry>> {
    const out = new Map<string, AuditEntry>();
    for (const g of [cf.fed.hub, cf.fed.sichuan, cf.fed.guangdong]) {
      let index = 0;
      for await (const e of g.auditLog.export()) {
        const entry = AuditEntry.decode(e.bytes);
        if (Buffer.from(entry.subjectDigest).toString("hex") === subjectHex) out.set(`${g.party}#${index}`, entry);
        index++;
      }
    }
    return out;
  }

  /**
   * A gateway's log key computed here, from its certificate, as the federation publishes it: a key
   * the page gets out of band, not from the console. `keyOf` names another party whose public key
   * to use instead (a wrong key under the right name).
   */
  async function realLogKey(party: string, keyOf = party): Promise<string> {
    const leaf = parseCertificatePem(await readFile(cf.fed.pki.party(keyOf).chain, "utf8"))[0];
    assert.ok(leaf !== undefined, `no certificate for ${keyOf}`);
    return formatVerifierKey(auditOrigin(party), leaf.publicKey);
  }

  const card = (party: string) => `[data-testid=gateway-card][data-party='${party}']`;

  /**
   * Pins every visible gateway's log key in this browser through the federation view: the key
   * computed here pasted for the parties in `pasted`, the server's (trust on first use) for the
   * others. Each card's own check is then "valid" under its pin.
   */
  async function pinKeys(page: Page, pasted: readonly string[]): Promise<void> {
    await page.click("[data-testid=nav-federation]");
    await page.waitForSelector("[data-testid=gateway-card] [data-testid=page-log-signature]");
    const parties = await page.$$eval("[data-testid=gateway-card]", (cs) =>
      cs.map((c) => c.getAttribute("data-party") ?? ""),
    );
    assert.ok(parties.length > 0, "gateways to pin");
    for (const party of parties) {
      if (pasted.includes(party)) {
        await page.fill(`${card(party)} [data-testid=pin-input]`, await realLogKey(party));
        await page.click(`${card(party)} [data-testid=pin-paste]`);
      } else {
        await page.click(`${card(party)} [data-testid=pin-key]`);
      }
      await page.waitForSelector(`${card(party)}[data-pinned=true] [data-testid=page-log-signature][data-state=valid]`);
      assert.equal(await page.$(`${card(party)} [data-testid=pin-mismatch]`), null, `${party}: pin matches`);
      assert.equal(
        await page.getAttribute(`${card(party)} [data-testid=pinned]`, "data-source"),
        pasted.includes(party) ? "pasted" : "tofu",
      );
    }
  }

  /** The audit explorer, searched by correlation id, with one gateway's entry open. */
  async function openEntry(page: Page, correlationId: string, gateway: string): Promise<void> {
    await page.click("[data-testid=nav-audit]");
    await page.fill("[data-testid=audit-correlation]", correlationId);
    await page.click("[data-testid=audit-search]");
    await page.click(`[data-testid=audit-row][data-gateway='${gateway}']`);
    await page.waitForSelector("[data-testid=entry-detail]");
  }

  const rowKeys = async (page: Page, scope = "") =>
    page.$$eval(`${scope} [data-testid=audit-row]`, (rows) =>
      rows.map((r) => `${r.getAttribute("data-gateway")}#${r.getAttribute("data-index")}`),
    );

  it("refuses a wrong password in the page", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(cf.console.url);
    await page.fill("#username", accounts.ministry.username);
    await page.fill("#password", "wrong password");
    await page.click("[data-testid=sign-in]");
    await page.waitForSelector("[data-testid=sign-in-error]");
    assert.equal(await page.$("[data-testid=me]"), null);
    await context.close();
  });

  it("ministry: the federation, every gateway up and both provinces cosigned by the hub", async () => {
    const page = await signIn("ministry");
    await page.click("[data-testid=nav-federation]");
    await page.waitForSelector("[data-testid=gateway-card][data-party='prov:440000'] [data-testid=cosigner]");
    const cards = await page.$$eval("[data-testid=gateway-card]", (cs) => cs.map((c) => c.getAttribute("data-party")));
    assert.deepEqual(cards, ["mot", "prov:510000", "prov:440000"]);
    for (const party of cards) {
      const up = await page.getAttribute(
        `[data-testid=gateway-card][data-party='${party}'] [data-testid=link-state]`,
        "data-up",
      );
      assert.equal(up, "true", `${party} link`);
      // No pin yet: the signature checks out under the key the console sent, which is not an
      // independent check, so the page does not call it valid.
      await page.waitForSelector(
        `${card(party ?? "")}[data-pinned=false] [data-testid=page-log-signature][data-state=server-key]`,
      );
    }
    for (const party of ["prov:510000", "prov:440000"]) {
      const states = await page.$$eval(
        `[data-testid=gateway-card][data-party='${party}'] [data-testid=cosigner]`,
        (cs) => cs.map((c) => c.getAttribute("data-state")),
      );
      assert.deepEqual(states, ["cosigned"]);
    }
    assert.match((await page.textContent("[data-testid=me]")) ?? "", /ministry|部/);
    // Guangdong's key pasted as computed here from its certificate; the others pinned on first use.
    await pinKeys(page, ["prov:440000"]);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(shots, "federation.png"), fullPage: false });

    // The page's own parser refuses what is not this party's log key, and pins nothing.
    const sc = card("prov:510000");
    await page.click(`${sc} [data-testid=unpin-key]`);
    await page.waitForSelector(`${sc}[data-pinned=false] [data-testid=page-log-signature][data-state=server-key]`);
    for (const bad of ["not a key", await realLogKey("prov:440000")]) {
      await page.fill(`${sc} [data-testid=pin-input]`, bad);
      await page.click(`${sc} [data-testid=pin-paste]`);
      await page.waitForSelector(`${sc} [data-testid=pin-error]`);
      assert.equal(await page.getAttribute(sc, "data-pinned"), "false", bad);
    }
    await page.context().close();
  });

  it("ministry: a subject search shows exactly the logs' entries for that person, and none for another", async () => {
    const page = await signIn("ministry");
    await page.click("[data-testid=nav-audit]");
    await page.fill("[data-testid=audit-subject]", holderIdNo);
    await page.click("[data-testid=audit-search]");
    await page.waitForSelector("[data-testid=audit-row]");
    const shown = await rowKeys(page);
    const inLogs = await logEntriesOf(cf.subjects.holder);
    for (const key of shown) assert.ok(inLogs.has(key), `${key} is an entry about this person`);
    for (const [key, e] of inLogs) {
      // The console's own searches are logged as they happen; one may land after the page's answer.
      if (e.method === "hutong.v1.AuditService/QueryEntries") continue;
      assert.ok(shown.includes(key), `${key} (${e.method} ${e.reason}) is shown`);
    }
    assert.ok(shown.includes("prov:440000#0") || shown.some((k) => k.startsWith("prov:440000#")));
    await page.screenshot({ path: join(shots, "audit.png") });

    await page.fill("[data-testid=audit-subject]", bystanderIdNo);
    await page.click("[data-testid=audit-search]");
    await page.waitForSelector("[data-testid=audit-empty]");
    assert.deepEqual(await rowKeys(page), []);
    await page.context().close();
  });

  it("ministry: an entry's inclusion proof verifies in the page under a pinned key, and a tampered entry is refused", async () => {
    const page = await signIn("ministry");
    const share = cf.shares.allowed[0] ?? "";
    const owner = "[data-testid=audit-row][data-gateway='prov:440000']";
    // No pin: the proof checks out under the key the console sent with it, and that is all.
    await openEntry(page, share, "prov:440000");
    await page.click("[data-testid=verify-proof]");
    await page.waitForSelector("[data-testid=proof-result][data-state=server-key]");
    assert.equal(await page.$("[data-testid=proof-result][data-state=verified]"), null);

    // Guangdong's key pasted as computed here, the others pinned on first use: verified.
    await pinKeys(page, ["prov:440000"]);
    await openEntry(page, share, "prov:440000");
    await page.click("[data-testid=verify-proof]");
    await page.waitForSelector("[data-testid=proof-result][data-state=verified]");
    await page.locator("[data-testid=proof-result]").scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, "audit-proof.png") });

    // The served entry's bytes changed by one bit: the proof no longer reaches the signed root.
    await page.route("**/api/audit/proof**", async (route) => {
      const real = await route.fetch();
      const proof = (await real.json()) as InclusionProofView;
      const bytes = Buffer.from(proof.entryB64, "base64");
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0x01;
      await route.fulfill({ response: real, json: { ...proof, entryB64: bytes.toString("base64") } });
    });
    await page.click("[data-testid=verify-proof]");
    await page.waitForSelector("[data-testid=proof-result][data-state=refused]");
    await page.unroute("**/api/audit/proof**");

    // The entry as listed says "deny" while its verified bytes say "allow": refused as well.
    await page.route("**/api/audit/search", async (route) => {
      const real = await route.fetch();
      const body = (await real.json()) as { entries: AuditEntryView[] };
      const entries = body.entries.map((e) => (e.gateway === "prov:440000" ? { ...e, decision: "deny" } : e));
      await route.fulfill({ response: real, json: { ...body, entries } });
    });
    await page.click("[data-testid=audit-search]");
    await page.click(owner);
    await page.click("[data-testid=verify-proof]");
    await page.waitForSelector("[data-testid=proof-result][data-state=refused]");
    await page.unroute("**/api/audit/search");

    // A wrong key pasted for Guangdong (Sichuan's public key under Guangdong's name): the card
    // warns that the pin is not the server's key, its own check fails, and the proof is refused,
    // with no fallback to the key the console sends.
    await page.click("[data-testid=nav-federation]");
    const gd = card("prov:440000");
    await page.click(`${gd} [data-testid=unpin-key]`);
    await page.fill(`${gd} [data-testid=pin-input]`, await realLogKey("prov:440000", "prov:510000"));
    await page.click(`${gd} [data-testid=pin-paste]`);
    await page.waitForSelector(`${gd}[data-pinned=true] [data-testid=pin-mismatch]`);
    await page.waitForSelector(`${gd} [data-testid=page-log-signature][data-state=invalid]`);
    await openEntry(page, share, "prov:440000");
    await page.click("[data-testid=verify-proof]");
    await page.waitForSelector("[data-testid=proof-result][data-state=refused]");
    assert.equal(await page.getAttribute("[data-testid=proof-result]", "data-reason"), "unverified");
    await page.context().close();
  });

  it("auditor: both sides of a share match, and a forged side is flagged", async () => {
    const page = await signIn("auditor");
    assert.equal(await page.$("[data-testid=nav-delivery]"), null, "an auditor has no delivery view");
    const share = cf.shares.allowed[1] ?? "";
    const proofStates = () =>
      page.$$eval("[data-testid=side-row]", (rs) => rs.map((r) => r.getAttribute("data-proof")));
    // No pin: every side is proven under the console's keys only, so the sides are unproven.
    await openEntry(page, share, "prov:440000");
    await page.click("[data-testid=match-sides]");
    await page.waitForSelector("[data-testid=match-result][data-state=unproven]");
    const unpinned = await proofStates();
    assert.ok(unpinned.length >= 2, "both sides listed");
    assert.ok(
      unpinned.every((s) => s === "server-key"),
      unpinned.join(),
    );

    // Sichuan's key pasted as computed here, the others pinned on first use: consistent.
    await pinKeys(page, ["prov:510000"]);
    await openEntry(page, share, "prov:440000");
    await page.click("[data-testid=match-sides]");
    await page.waitForSelector("[data-testid=match-result][data-state=consistent]");
    const pinnedStates = await proofStates();
    assert.ok(
      pinnedStates.every((s) => s === "verified"),
      pinnedStates.join(),
    );
    await page.screenshot({ path: join(shots, "audit-match.png") });

    await page.route("**/api/audit/correlation/**", async (route) => {
      const real = await route.fetch();
      const body = (await real.json()) as { entries: AuditEntryView[] };
      const entries = body.entries.map((e) => (e.gateway === "mot" ? { ...e, releasedSm3Hex: "00".repeat(32) } : e));
      await route.fulfill({ response: real, json: { ...body, entries } });
    });
    await page.click("[data-testid=match-sides]");
    await page.waitForSelector("[data-testid=match-result][data-state=mismatch]");
    await page.context().close();
  });

  it("ministry: grants by status, with their uses", async () => {
    const page = await signIn("ministry");
    await page.click("[data-testid=nav-grants]");
    await page.waitForSelector(`[data-testid=grant-row][data-grant-id='${cf.grants.usedUp}']`);
    assert.equal(
      await page.getAttribute(`[data-testid=grant-row][data-grant-id='${cf.grants.usedUp}']`, "data-status"),
      "used-up",
    );
    await page.screenshot({ path: join(shots, "grants.png") });
    await page.selectOption("[data-testid=grant-status]", "revoked");
    await page.waitForFunction(() =>
      [...document.querySelectorAll("[data-testid=grant-row]")].every(
        (r) => r.getAttribute("data-status") === "revoked",
      ),
    );
    await page.context().close();
  });

  it("ministry: the indicator charts render from the statistics service", async () => {
    const page = await signIn("ministry");
    await page.click("[data-testid=nav-indicators]");
    for (const chart of [
      "chart-ticket-share",
      "chart-ticket-coverage",
      "chart-ticket-trend",
      "chart-licence-rates",
      "chart-aggregation-lag",
      "chart-maintenance",
    ]) {
      await page.waitForSelector(`[data-testid=${chart}][data-rendered=true]`);
      const points = Number(await page.getAttribute(`[data-testid=${chart}]`, "data-points"));
      assert.ok(points >= 2, `${chart} drew ${points} points`);
    }
    assert.equal(await page.$("[data-testid=source-unavailable]"), null, "every source answered");
    // The chart is a real canvas with something drawn on it.
    const drawn = await page.$eval("[data-testid=chart-ticket-share] canvas", (c) => {
      const canvas = c as HTMLCanvasElement;
      const data =
        canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
      let ink = 0;
      for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) ink++;
      return ink;
    });
    assert.ok(drawn > 1000, `the share chart has ink (${drawn} pixels)`);
    await page.screenshot({ path: join(shots, "indicators.png"), fullPage: true });
    await page.context().close();
  });

  it("province operator: only Sichuan's gateway and Sichuan's indicators", async () => {
    const page = await signIn("province");
    await page.click("[data-testid=nav-federation]");
    await page.waitForSelector("[data-testid=gateway-card]");
    assert.deepEqual(
      await page.$$eval("[data-testid=gateway-card]", (cs) => cs.map((c) => c.getAttribute("data-party"))),
      ["prov:510000"],
    );
    await page.click("[data-testid=nav-indicators]");
    await page.waitForSelector("[data-testid=chart-ticket-share][data-rendered=true]");
    assert.equal(await page.getAttribute("[data-testid=chart-ticket-share]", "data-points"), "1");
    await page.click("[data-testid=nav-audit]");
    const options = await page.$$eval("[data-testid=audit-gateway] option", (os) =>
      os.map((o) => (o as HTMLOptionElement).value),
    );
    assert.deepEqual(
      options.filter((o) => o !== ""),
      ["prov:510000"],
    );
    await page.context().close();
  });

  it("holder: my grants and who accessed my data, nothing else", async () => {
    const page = await signIn("holder");
    const nav = await page.$$eval("[data-testid^=nav-]", (ns) => ns.map((n) => n.getAttribute("data-testid")));
    assert.deepEqual(nav, ["nav-my-data"]);
    await page.click("[data-testid=nav-my-data]");
    await page.waitForSelector("[data-testid=my-grants] [data-testid=grant-row]");
    const grantIds = await page.$$eval("[data-testid=my-grants] [data-testid=grant-row]", (rs) =>
      rs.map((r) => r.getAttribute("data-grant-id")),
    );
    for (const id of [cf.grants.active, cf.grants.usedUp, cf.grants.revoked]) assert.ok(grantIds.includes(id));
    await page.waitForSelector("[data-testid=my-accesses] [data-testid=audit-row]");
    const shown = await rowKeys(page, "[data-testid=my-accesses]");
    const inLogs = await logEntriesOf(cf.subjects.holder);
    for (const key of shown) assert.ok(inLogs.has(key), `${key} is about this holder`);
    await page.screenshot({ path: join(shots, "my-data.png") });
    // The view is a POST (it makes every gateway log a search): a GET has no body.
    assert.ok(
      traffic.get("holder")?.requests.some((r) => r.url.endsWith("/api/my-data") && r.body === "{}"),
      "my data is asked for by POST {}",
    );

    // The holder may check an entry's proof, with no pin (and no federation view to pin from):
    // under the console's key only. There is no correlation view for a holder: no match button.
    await page.click("[data-testid=my-accesses] [data-testid=audit-row][data-correlation^='grant-use-']");
    await page.waitForSelector("[data-testid=entry-detail]");
    assert.equal(await page.$("[data-testid=match-sides]"), null, "a holder has no match button");
    await page.click("[data-testid=verify-proof]");
    await page.waitForSelector("[data-testid=proof-result][data-state=server-key]");
    await page.context().close();
  });

  it("ministry: replays the dead letter; the owner learns the revocation and the log names the console", async () => {
    const page = await signIn("ministry");
    await page.click("[data-testid=nav-delivery]");
    const row = "[data-testid=dead-letter-row][data-gateway='prov:510000']";
    await page.waitForSelector(row);
    await page.screenshot({ path: join(shots, "delivery.png") });
    assert.equal((await cf.fed.guangdong.store.getGrant(cf.grants.revoked))?.status, "active", "not yet told");
    await page.click(`${row} [data-testid=replay]`);
    await page.click("[data-testid=confirm-yes]");
    await page.waitForSelector("[data-testid=replay-done]");
    const deadline = Date.now() + 15_000;
    while ((await cf.fed.guangdong.store.getGrant(cf.grants.revoked))?.status !== "revoked") {
      assert.ok(Date.now() < deadline, "the replayed revocation reaches Guangdong");
      await new Promise((ok) => setTimeout(ok, 100));
    }
    // The console's own actions, in Sichuan's log: the replay, with the console as requester.
    await page.click("[data-testid=nav-audit]");
    await page.selectOption("[data-testid=audit-gateway]", "prov:510000");
    await page.fill("[data-testid=audit-party]", consoleParty);
    await page.click("[data-testid=audit-search]");
    await page.waitForSelector("[data-testid=audit-row]");
    const methods = await page.$$eval("[data-testid=audit-row]", (rs) => rs.map((r) => r.textContent ?? ""));
    assert.ok(
      methods.some((m) => m.includes("hutong.outbox/Replay")),
      "the replay is in the log",
    );
    await page.context().close();
  });

  it("switches to English", async () => {
    const page = await signIn("ministry");
    await page.click("[data-testid=lang-switch]");
    await page.waitForFunction(() => document.documentElement.lang === "en");
    await page.click("[data-testid=nav-audit]");
    await page.screenshot({ path: join(shots, "audit-en.png") });
    await page.context().close();
  });

  // After the views that expect both provinces cosigned: it leaves Sichuan's log without it.
  it("ministry: a witness that disagrees stands out on the federation page", async () => {
    await forkWitnessOf(cf, "prov:510000");
    // Any new entry at Sichuan makes it sign a checkpoint and ask the hub, which refuses it.
    const ministry = await apiClient(cf.console.url, accounts.ministry.username, accounts.ministry.password);
    await ministry.post("api/audit/search", { subjectIdNumber: holderIdNo, gateway: "prov:510000" });
    const page = await signIn("ministry");
    const sichuan = "[data-testid=gateway-card][data-party='prov:510000']";
    const deadline = Date.now() + 30_000;
    while ((await page.$(`${sichuan} [data-testid=cosigner][data-state=disagrees]`)) === null) {
      assert.ok(Date.now() < deadline, "Sichuan's witness never showed as disagreeing");
      await page.reload();
      await page.waitForSelector(`${sichuan} [data-testid=cosigner]`);
    }
    const alarm = await page.getAttribute(`${sichuan} [data-testid=cosigner]`, "class");
    assert.match(alarm ?? "", /cosigner-alarm/);
    const states = await page.$$eval(
      "[data-testid=gateway-card][data-party='prov:440000'] [data-testid=cosigner]",
      (cs) => cs.map((c) => c.getAttribute("data-state")),
    );
    assert.deepEqual(states, ["cosigned"], "Guangdong's witness still agrees");
    await page.locator(sichuan).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, "federation-disagrees.png") });
    await page.context().close();
  });

  it("sent no personal data beyond what each role may see", () => {
    const names = ["张三", "李四"];
    for (const [who, t] of traffic) {
      for (const r of t.responses) {
        for (const id of [holderIdNo, bystanderIdNo])
          assert.ok(!r.body.includes(id), `${who}: an ID number in ${r.url}`);
        if (who !== "holder")
          for (const n of names) assert.ok(!r.body.includes(n) || r.url.endsWith(".js"), `${who}: a name in ${r.url}`);
        if (who === "holder" && r.url.includes("/api/")) {
          for (const m of r.body.matchAll(/"subjectDigestHex":"([0-9a-f]*)"/g)) {
            assert.ok(m[1] === "" || m[1] === cf.subjects.holder, `holder: another subject in ${r.url}`);
          }
        }
      }
      // An ID number leaves the page only in the body of a search it was typed into.
      for (const r of t.requests) {
        if (r.url.includes(holderIdNo) || r.url.includes(bystanderIdNo)) assert.fail(`${who}: an ID number in a URL`);
        if (r.body.includes(holderIdNo) || r.body.includes(bystanderIdNo)) assert.match(r.url, /\/api\/audit\/search$/);
      }
    }
    assert.ok(traffic.size >= 4, "every role's traffic was recorded");
    const searches = traffic.get("ministry")?.requests.filter((r) => r.url.endsWith("/api/audit/search")) ?? [];
    assert.ok(searches.length >= 2, "the ministry's sessions are all in its record, not only its last");
  });
});
