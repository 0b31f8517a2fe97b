import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createHutongClient, type HutongClient, loadCredentialFiles } from "@hutong/client";
import { signGrant, subjectDigest } from "@hutong/gateway";
import {
  type Federation,
  federationParties as p,
  type SimulatedBackend,
  sampleTickets,
  startFederation,
  startSimulatedBackend,
} from "@hutong/gateway/dev";
import { GrantorKind, GrantServiceService, IdType, Purpose, RecordKind, TicketServiceService } from "@hutong/proto";
import { startTcpRelay, type TcpRelay } from "./testing-tcp-relay.js";

/**
 * What a packet capture, or a TLS-terminating proxy, between hutong's parties sees: every link of
 * the dev federation (a system to its gateway, gateway to hub, hub to gateway, and the witness
 * links) runs through a TCP relay of this test that records every byte both ways. A passenger's
 * name, resident ID number and phone are planted in a ticket and in requests; the calls succeed,
 * and none of those values is in any capture, in any spelling tried. A plaintext session (allowed
 * explicitly for loopback at one gateway) on its own relay is the control: its capture holds them.
 */
const planted = {
  name: "欧阳娜娜",
  idNo: "51010419900307123X",
  phone: "13912345678",
  buyerName: "司马懿",
  buyerPhone: "18600001111",
};
/** GBK (GB18030) spellings of the names, as a Chinese system might put them on the wire. */
const gbk = { name: "c5b7d1f4c4c8c4c8", buyerName: "cbbec2eddcb2" };

/** Every spelling of `value` a leak could take: UTF-8, UTF-16, hex, and base64 at each alignment. */
function spellings(value: string, extra: readonly Buffer[] = []): Buffer[] {
  const utf8 = Buffer.from(value, "utf8");
  const out = [utf8, Buffer.from(value, "utf16le"), Buffer.from(utf8.toString("hex")), ...extra];
  out.push(Buffer.from(utf8.toString("hex").toUpperCase()));
  // base64 of the value at each of the three byte alignments, minus the characters the
  // neighbouring bytes share.
  for (let pad = 0; pad < 3; pad++) {
    for (const enc of ["base64", "base64url"] as const) {
      const text = Buffer.concat([Buffer.alloc(pad, 0xaa), utf8])
        .toString(enc)
        .replace(/=+$/, "");
      const from = Math.ceil((pad * 4) / 3);
      const core = text.slice(from, text.length - 2);
      if (core.length >= 8) out.push(Buffer.from(core));
    }
  }
  return out;
}

const needles = [
  ...spellings(planted.name, [Buffer.from(gbk.name, "hex")]),
  ...spellings(planted.idNo),
  ...spellings(planted.phone),
  ...spellings(planted.buyerName, [Buffer.from(gbk.buyerName, "hex")]),
  ...spellings(planted.buyerPhone),
];

function leaks(bytes: Buffer): string[] {
  return needles.filter((n) => bytes.includes(n)).map((n) => n.toString("hex"));
}

describe("link capture: the bytes between hutong's parties carry no personal data", () => {
  let dir: string;
  let fed: Federation;
  let backend: SimulatedBackend;
  /** By link: the Guangdong system's SM4 link to its gateway, the control's plaintext link, and each peer. */
  const relays = new Map<string, TcpRelay>();
  const clients: HutongClient[] = [];
  const [sample] = sampleTickets("510000");
  assert.ok(sample !== undefined);
  const ticket = {
    ...sample,
    ticketNo: "51202611219999",
    passenger: {
      ...sample.passenger,
      name: planted.name,
      idNo: planted.idNo,
      phone: planted.phone,
      idType: IdType.ID_TYPE_RESIDENT_ID_CARD,
    },
    buyer: { name: planted.buyerName, idType: IdType.ID_TYPE_RESIDENT_ID_CARD, idNo: "", phone: planted.buyerPhone },
  };

  async function relay(name: string): Promise<TcpRelay> {
    const r = await startTcpRelay();
    relays.set(name, r);
    return r;
  }

  async function client(
    system: string,
    address: string,
    protection: "sm4" | "plaintext",
    gatewayParty: string = p.guangdong,
  ): Promise<HutongClient> {
    const creds = await loadCredentialFiles({
      ...fed.pki.party(system),
      anchors: [fed.pki.rootCert],
      crls: fed.pki.crls,
    });
    const c = createHutongClient({
      address,
      gatewayParty,
      privateKey: creds.privateKey,
      chain: creds.chain,
      trust: creds.trust,
      crls: () => creds.crls,
      protection,
    });
    clients.push(c);
    return c;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "hutong-capture-"));
    backend = await startSimulatedBackend("510000", 0, [ticket]);
    // Every peer link (routes and witnesses) goes through the relay for its peer party.
    const peerRelays = new Map<string, TcpRelay>([
      [p.hub, await relay("gateway → hub")],
      [p.sichuan, await relay("hub → Sichuan")],
      [p.guangdong, await relay("hub → Guangdong")],
    ]);
    const through = (peer: { party: string; address: string }) => {
      const r = peerRelays.get(peer.party);
      if (r === undefined) return peer;
      r.target = peer.address;
      return { ...peer, address: r.address };
    };
    fed = await startFederation(dir, {
      tweak: (party, raw) => {
        const routes =
          (raw.routes as { match: string; local?: string; peer?: { party: string; address: string } }[]) ?? [];
        const audit = (raw.audit as { witnesses?: { party: string; address: string }[] } | undefined) ?? {};
        const out: Record<string, unknown> = {
          ...raw,
          routes: routes.map((r) =>
            r.peer !== undefined
              ? { ...r, peer: through(r.peer) }
              : party === p.sichuan
                ? { ...r, local: backend.address }
                : r,
          ),
          audit: { ...audit, ...(audit.witnesses === undefined ? {} : { witnesses: audit.witnesses.map(through) }) },
        };
        if (party === p.sichuan) {
          out.acl = [
            ...(raw.acl as unknown[]),
            {
              callers: [p.guangdongTicketing],
              methods: ["hutong.v1.TicketService/GetTicket"],
              purposes: ["TICKET_SERVICE"],
              targets: [p.sichuan],
            },
          ];
        }
        if (party === p.guangdong) {
          const session = raw.session as Record<string, unknown>;
          // The control: Guangdong serves plaintext to clients on loopback, because its config says so.
          out.session = { ...session, acceptPlaintext: ["loopback"] };
        }
        return out;
      },
    });
    const toGuangdong = `127.0.0.1:${fed.guangdong.address.port}`;
    (await relay("system → Guangdong (SM4)")).target = toGuangdong;
    (await relay("system → Guangdong (plaintext, control)")).target = toGuangdong;
    (await relay("system → Sichuan (SM4)")).target = `127.0.0.1:${fed.sichuan.address.port}`;
  });

  after(async () => {
    for (const c of clients) c.close();
    await fed?.close();
    await backend?.close();
    for (const r of relays.values()) await r.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("verifies, registers a grant and fetches a ticket across three gateways; no link carries the data", async () => {
    const sm4 = await client(p.guangdongTicketing, relays.get("system → Guangdong (SM4)")?.address ?? "", "sm4");
    const context = (purpose: Purpose, grantId = "") => ({
      targetParty: p.sichuan,
      purpose,
      grantId,
      correlationId: "capture-1",
    });
    // A boarding check with the passenger's name and ID number in the request.
    const verdict = await sm4.unary(TicketServiceService.verifyTicket, {
      context: context(Purpose.PURPOSE_BOARDING_CHECK),
      ticketNo: ticket.ticketNo,
      holderIdType: IdType.ID_TYPE_RESIDENT_ID_CARD,
      holderIdNo: planted.idNo,
      holderName: planted.name,
      scheduleNo: ticket.scheduleNo,
    });
    assert.deepEqual([verdict.valid, verdict.holderMatches], [true, true]);

    // The passenger's grant, registered at Sichuan through the hub, then the whole ticket fetched.
    const subjectKey = Buffer.from((await readFile(await fed.pki.subjectKeyFile(), "utf8")).trim(), "hex");
    const subject = subjectDigest(subjectKey, IdType.ID_TYPE_RESIDENT_ID_CARD, planted.idNo);
    const holder = fed.pki.holder(subject);
    const now = Date.now();
    const grant = signGrant(
      {
        version: 1,
        grantorKind: GrantorKind.GRANTOR_KIND_HOLDER,
        grantorParty: "",
        granteeParty: p.guangdong,
        ownerParty: p.sichuan,
        subjectDigest: Buffer.from(subject),
        recordKind: RecordKind.RECORD_KIND_E_TICKET,
        recordIds: [ticket.ticketNo],
        purpose: Purpose.PURPOSE_TICKET_SERVICE,
        notBefore: new Date(now - 60_000),
        expiresAt: new Date(now + 86_400_000),
        useLimit: 3,
        fieldsAllowed: [
          "ticket.ticket_no",
          "ticket.passenger.name",
          "ticket.passenger.id_no",
          "ticket.passenger.phone",
          "ticket.buyer.name",
          "ticket.buyer.phone",
        ],
        issuedAt: new Date(now - 60_000),
        nonce: randomBytes(16),
      },
      holder.privateKey,
      holder.chain,
    );
    const registered = await sm4.unary(GrantServiceService.registerGrant, {
      context: context(Purpose.PURPOSE_TICKET_SERVICE),
      grant,
    });
    const grantId = registered.record?.grantId ?? "";
    assert.ok(grantId !== "");
    const fetched = await sm4.unary(TicketServiceService.getTicket, {
      context: context(Purpose.PURPOSE_TICKET_SERVICE, grantId),
      ticketNo: ticket.ticketNo,
      annotate: false,
    });
    // The data did travel: the caller has it, in clear.
    assert.equal(fetched.ticket?.passenger?.name, planted.name);
    assert.equal(fetched.ticket?.passenger?.idNo, planted.idNo);
    assert.equal(fetched.ticket?.passenger?.phone, planted.phone);
    assert.equal(fetched.ticket?.buyer?.phone, planted.buyerPhone);

    // The other way through the hub: a Sichuan system checks a Guangdong ticket, naming the passenger.
    const sichuan = await client(
      p.sichuanTicketing,
      relays.get("system → Sichuan (SM4)")?.address ?? "",
      "sm4",
      p.sichuan,
    );
    const other = await sichuan.unary(TicketServiceService.verifyTicket, {
      context: {
        targetParty: p.guangdong,
        purpose: Purpose.PURPOSE_BOARDING_CHECK,
        grantId: "",
        correlationId: "capture-3",
      },
      ticketNo: sampleTickets("440000")[0]?.ticketNo ?? "",
      holderIdType: IdType.ID_TYPE_RESIDENT_ID_CARD,
      holderIdNo: planted.idNo,
      holderName: planted.name,
      scheduleNo: "",
    });
    assert.deepEqual([other.valid, other.holderMatches], [true, false]);

    // The control: the same boarding check from a plaintext session, allowed on loopback only.
    const plain = await client(
      p.guangdongTicketing,
      relays.get("system → Guangdong (plaintext, control)")?.address ?? "",
      "plaintext",
    );
    await plain.unary(TicketServiceService.verifyTicket, {
      context: { ...context(Purpose.PURPOSE_BOARDING_CHECK), correlationId: "capture-2" },
      ticketNo: ticket.ticketNo,
      holderIdType: IdType.ID_TYPE_RESIDENT_ID_CARD,
      holderIdNo: planted.idNo,
      holderName: planted.name,
      scheduleNo: ticket.scheduleNo,
    });

    for (const [name, r] of relays) {
      const { toTarget, fromTarget } = r.captured();
      assert.ok(r.connections > 0 && toTarget.length > 1000 && fromTarget.length > 1000, `${name} carried the calls`);
      const found = [...leaks(toTarget), ...leaks(fromTarget)];
      if (name.includes("control")) {
        // The detector works: in clear, the request's ID number and name are there.
        assert.ok(toTarget.includes(Buffer.from(planted.idNo)), "the plaintext control carries the ID number");
        assert.ok(toTarget.includes(Buffer.from(planted.name)), "the plaintext control carries the name");
      } else {
        assert.deepEqual(found, [], `${name}: personal data on the link`);
      }
    }
    // The SM4 hops also carry none of the request's other identifying values in clear.
    for (const [name, r] of relays) {
      if (name.includes("control")) continue;
      const { toTarget } = r.captured();
      assert.equal(toTarget.indexOf(Buffer.from(ticket.ticketNo)), -1, `${name}: ticket number in clear`);
    }
  });
});
