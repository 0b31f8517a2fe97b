// The generated hutong.v1 contract: every message survives binary and JSON round trips, the
// grpc-js service definitions carry the expected method paths, a real grpc-js server and client
// built from them talk to each other, and the tables derived from the options (personal fields,
// services, share methods, records, the descriptor set) match the protos.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { credentials, Server, ServerCredentials } from "@grpc/grpc-js";
import {
  type Annotation,
  AuditServiceService,
  AuditWitnessState,
  CheckStatus,
  contractFiles,
  contractServices,
  contractSymbols,
  FareType,
  FinishRequest,
  FinishResponse,
  GatewayRole,
  GetGatewayInfoRequest,
  GetGatewayInfoResponse,
  GetGrantRequest,
  GetGrantResponse,
  GetLicenceRequest,
  GetLicenceResponse,
  GetTicketRequest,
  GetTicketResponse,
  GrantBody,
  GrantorKind,
  type GrantRecord,
  GrantServiceService,
  GrantStatus,
  HelloRequest,
  HelloResponse,
  IdType,
  type Invoice,
  InvoiceKind,
  InvoiceRequestState,
  InvoiceServiceService,
  IssueInvoiceRequest,
  IssueInvoiceResponse,
  LicenceIssuanceServiceService,
  LicenceKind,
  LicenceLibraryServiceService,
  LicenceMaintenanceServiceService,
  LicenceServiceService,
  LicenceStatus,
  ListDeadLettersRequest,
  ListDeadLettersResponse,
  ListGrantsRequest,
  ListGrantsResponse,
  ListOutboxQueuesRequest,
  ListOutboxQueuesResponse,
  ListPartiesRequest,
  ListPartiesResponse,
  ListRoutesRequest,
  ListRoutesResponse,
  type MessageFns,
  OutboxAdminServiceService,
  OutboxBreakerState,
  PartnerLegServiceService,
  PartyKind,
  PersonalKind,
  Protection,
  Purpose,
  personalFields,
  QualificationCategory,
  QueryEntriesRequest,
  RecordKind,
  RegisterGrantRequest,
  RegisterGrantResponse,
  RegistryServiceService,
  ReplayDeadLetterRequest,
  ReplayDeadLetterResponse,
  RequestContext,
  ReversalReason,
  ReverseInvoiceRequest,
  ReverseInvoiceResponse,
  RevocationReason,
  RevokeGrantRequest,
  RevokeGrantResponse,
  RouteKind,
  recordSchemas,
  SaleChannel,
  SaleStatus,
  SessionServiceClient,
  type SessionServiceServer,
  SessionServiceService,
  Sex,
  type SignedGrant,
  SpecialElementType,
  shareMethods,
  ThroughTicketServiceService,
  TicketEventServiceService,
  TicketServiceService,
  TicketStatisticsServiceService,
  VehicleType,
  VerifyLicenceRequest,
  VerifyLicenceResponse,
  VerifyTicketRequest,
  VerifyTicketResponse,
} from "../gen/index.js";

const bytes = (n: number, fill: number): Buffer => Buffer.alloc(n, fill);
const at = (iso: string): Date => new Date(iso);

const context: RequestContext = {
  targetParty: "prov:510000",
  purpose: Purpose.PURPOSE_BOARDING_CHECK,
  grantId: "grant-0001",
  correlationId: "corr-0001",
};

/** The bytes of a message whose only field is `context` at number 1. */
function contextOnlyRequest(ctx: RequestContext): Buffer {
  const inner = RequestContext.encode(ctx).finish();
  return Buffer.concat([Buffer.from([0x0a, inner.length]), inner]);
}

const annotation: Annotation = {
  recipientParty: "prov:440000",
  purpose: Purpose.PURPOSE_LICENCE_USE,
  grantId: "grant-0002",
  issuedAt: at("2025-03-01T08:00:00.000Z"),
  validUntil: at("2025-03-02T08:00:00.123Z"),
  recordSm3: bytes(32, 0xab),
  signerParty: "prov:510000",
  signerChain: [bytes(300, 1), bytes(280, 2)],
  signature: bytes(71, 3),
};

const invoice: Invoice = {
  invoiceNo: "25510000000000000001",
  issuedAt: at("2025-03-01T09:15:00.000Z"),
  kind: InvoiceKind.INVOICE_KIND_ORDINARY,
  specialElementType: SpecialElementType.SPECIAL_ELEMENT_TYPE_PASSENGER_TRANSPORT,
  blue: true,
  reversedInvoiceNo: "",
  sellerTaxId: "91510100MA000000XX",
  sellerName: "成都客运集团",
  sellerTaxpayerType: 1,
  buyerTaxId: "",
  buyerName: "张三",
  totalAmount: "110.09",
  totalTax: "9.91",
  totalWithTax: "120.00",
  totalWithTaxInWords: "壹佰贰拾圆整",
  issuerClerk: "李四",
  remarks: "",
  lines: [
    {
      lineNo: 1,
      itemName: "*运输服务*长途汽车旅客运输服务",
      taxClassificationCode: "3010101020101000000",
      amount: "110.09",
      taxRate: "0.09",
      taxAmount: "9.908257",
    },
  ],
  passengerElements: [
    {
      travellerName: "张三",
      travellerIdType: IdType.ID_TYPE_RESIDENT_ID_CARD,
      travellerIdNo: "11010519491231002X",
      travelTime: at("2025-03-02T00:30:00.000Z"),
      origin: "成都",
      destination: "重庆",
      seatClass: "普通",
      vehicleType: VehicleType.VEHICLE_TYPE_COACH,
    },
  ],
  ticketNo: "510100T20250302000123",
};

const signedGrant: SignedGrant = {
  body: bytes(180, 0x42),
  signature: bytes(71, 0x43),
  signerChain: [bytes(420, 0x44), bytes(400, 0x45)],
};

const grantRecord: GrantRecord = {
  grantId: "g1-93cc960cf688dc35edc899bbbf3a0a7e",
  grant: signedGrant,
  status: GrantStatus.GRANT_STATUS_REVOKED,
  uses: 2,
  revokedAt: at("2025-03-02T00:00:00.000Z"),
  revokedReason: RevocationReason.REVOCATION_REASON_WITHDRAWN,
  revocation: {
    grantId: "g1-93cc960cf688dc35edc899bbbf3a0a7e",
    revokedAt: at("2025-03-02T00:00:00.000Z"),
    reason: RevocationReason.REVOCATION_REASON_WITHDRAWN,
    signature: bytes(70, 0x46),
    signerChain: [bytes(410, 0x47)],
  },
  registeredAt: at("2025-03-01T00:00:00.000Z"),
  lastUsedAt: at("2025-03-01T12:00:00.000Z"),
};

// One sample per request/response message, with non-default values in every field kind.
// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous table of message codecs
const samples: Array<[string, MessageFns<any>, unknown]> = [
  [
    "HelloRequest",
    HelloRequest,
    {
      version: 1,
      clientRandom: bytes(32, 7),
      clientEphemeral: Buffer.concat([Buffer.from([4]), bytes(64, 9)]),
      clientChain: [bytes(400, 1), bytes(380, 2)],
      targetParty: "prov:510000",
    },
  ],
  [
    "HelloResponse",
    HelloResponse,
    {
      serverRandom: bytes(32, 8),
      serverEphemeral: bytes(65, 4),
      serverChain: [bytes(410, 5)],
      serverSignature: bytes(72, 6),
      cookie: bytes(120, 7),
    },
  ],
  ["FinishRequest", FinishRequest, { cookie: bytes(120, 7), clientSignature: bytes(70, 8) }],
  [
    "FinishResponse",
    FinishResponse,
    { ticket: bytes(96, 9), expiresAt: 1740823200000n, serverFinished: bytes(32, 10) },
  ],
  ["GetTicketRequest", GetTicketRequest, { context, ticketNo: "510100T20250302000123", annotate: true }],
  [
    "GetTicketResponse",
    GetTicketResponse,
    {
      ticket: {
        ticketNo: "510100T20250302000123",
        orderNo: "ORD-9",
        issuerProvince: "51",
        passenger: {
          name: "张三",
          idType: IdType.ID_TYPE_RESIDENT_ID_CARD,
          idNo: "11010519491231002X",
          phone: "13800001234",
        },
        routeCode: "510100-500000-01",
        scheduleNo: "K123",
        departTime: at("2025-03-02T00:30:00.000Z"),
        boardStation: { code: "510100001", name: "成都城北客运中心" },
        alightStation: { code: "500000002", name: "重庆陈家坪汽车站" },
        seatNo: "12",
        seatType: "01",
        fareType: FareType.FARE_TYPE_FULL,
        fareFen: 12000n,
        serviceFeeFen: 100n,
        insuranceFen: 9007199254740993n,
        carrierUscc: "91510100MA000000XX",
        carrierName: "成都客运集团",
        vehiclePlate: "川A12345",
        saleStatus: SaleStatus.SALE_STATUS_SOLD,
        checkStatus: CheckStatus.CHECK_STATUS_UNCHECKED,
        saleChannel: SaleChannel.SALE_CHANNEL_MOBILE,
        invoiceNo: "25510000000000000001",
        soldAt: at("2025-03-01T09:00:00.000Z"),
      },
      annotation,
    },
  ],
  [
    "VerifyTicketRequest",
    VerifyTicketRequest,
    {
      context,
      ticketNo: "510100T20250302000123",
      holderIdType: IdType.ID_TYPE_HK_MACAO_MAINLAND_TRAVEL_PERMIT,
      holderIdNo: "H12345678",
      scheduleNo: "K123",
    },
  ],
  [
    "VerifyTicketResponse",
    VerifyTicketResponse,
    {
      valid: true,
      holderMatches: true,
      scheduleMatches: false,
      saleStatus: SaleStatus.SALE_STATUS_CHANGED_IN,
      checkStatus: CheckStatus.CHECK_STATUS_UNCHECKED,
      departTime: at("2025-03-02T00:30:00.000Z"),
    },
  ],
  [
    "GetLicenceRequest",
    GetLicenceRequest,
    {
      context,
      lookup: { key: { $case: "licenceNo", value: "川交运管许可成字510100000001号" }, kind: 1 },
      includeOfd: true,
      annotate: true,
    },
  ],
  [
    "GetLicenceResponse",
    GetLicenceResponse,
    {
      licence: {
        licenceId: "1.2.156.3005.2.11100000000013338W.510000.0001",
        licenceNo: "510100199001011234",
        kind: LicenceKind.LICENCE_KIND_PRACTITIONER_QUALIFICATION,
        status: LicenceStatus.LICENCE_STATUS_VALID,
        rawStatusCode: "10",
        statusUpdatedAt: at("2024-12-01T00:00:00.000Z"),
        validFrom: "2024-01-01",
        validTo: "2030-01-01",
        issueDate: "2024-01-01",
        issuerName: "四川省交通运输厅",
        issuerCode: "115100000000000000",
        ofdFile: bytes(1024, 0x50),
        details: {
          $case: "practitionerQualification",
          value: {
            name: "王五",
            sex: Sex.SEX_MALE,
            idType: IdType.ID_TYPE_RESIDENT_ID_CARD,
            idNo: "510100199001011234",
            photo: bytes(64, 0xff),
            categories: [
              QualificationCategory.QUALIFICATION_CATEGORY_PASSENGER_DRIVER,
              QualificationCategory.QUALIFICATION_CATEGORY_DANGEROUS_GOODS_DRIVER,
            ],
            rawCategoryCodes: ["011", "031"],
            firstIssueDate: "2012-05-01",
            creditAssessment: "AAA",
          },
        },
      },
      annotation,
    },
  ],
  [
    "VerifyLicenceRequest",
    VerifyLicenceRequest,
    {
      context,
      lookup: { key: { $case: "qrPayload", value: "https://example.invalid/v?id=abc" } },
      holderUscc: "91510100MA000000XX",
      plateNo: "川A12345",
    },
  ],
  [
    "VerifyLicenceResponse",
    VerifyLicenceResponse,
    {
      valid: false,
      holderMatches: true,
      kind: LicenceKind.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE,
      status: LicenceStatus.LICENCE_STATUS_SUSPENDED,
      validTo: "2026-06-30",
      statusUpdatedAt: at("2025-02-01T00:00:00.000Z"),
    },
  ],
  [
    "IssueInvoiceRequest",
    IssueInvoiceRequest,
    { context: { ...context, purpose: Purpose.PURPOSE_INVOICING }, idempotencyKey: "T1:1", draft: invoice },
  ],
  [
    "IssueInvoiceResponse",
    IssueInvoiceResponse,
    { state: InvoiceRequestState.INVOICE_REQUEST_STATE_ISSUED, invoice, requestSerial: "a".repeat(32) },
  ],
  [
    "ReverseInvoiceRequest",
    ReverseInvoiceRequest,
    {
      context,
      idempotencyKey: "T1:2",
      blueInvoiceNo: "25510000000000000001",
      blueIssuedAt: "2025-03-01 17:15:00",
      blueTotalAmount: "110.09",
      blueTotalTax: "9.91",
      blueKind: InvoiceKind.INVOICE_KIND_ORDINARY,
      blueSpecialElementType: SpecialElementType.SPECIAL_ELEMENT_TYPE_PASSENGER_TRANSPORT,
      reversalAmount: "-100.92",
      reversalTax: "-9.08",
      reason: ReversalReason.REVERSAL_REASON_SERVICE_TERMINATED,
      lines: [{ blueLineNo: 1, amount: "-100.92", taxAmount: "-9.08" }],
      ticketNo: "510100T20250302000123",
    },
  ],
  [
    "ReverseInvoiceResponse",
    ReverseInvoiceResponse,
    {
      state: InvoiceRequestState.INVOICE_REQUEST_STATE_PENDING,
      confirmationId: "hzqrd-1",
      failureReason: "",
    },
  ],
  ["ListPartiesRequest", ListPartiesRequest, { pageSize: 50, pageToken: "p2" }],
  [
    "ListPartiesResponse",
    ListPartiesResponse,
    {
      parties: [{ partyId: "prov:xpcc", displayName: "新疆生产建设兵团", kind: PartyKind.PARTY_KIND_PROVINCE }],
      nextPageToken: "p3",
    },
  ],
  ["ListRoutesRequest", ListRoutesRequest, {}],
  [
    "ListRoutesResponse",
    ListRoutesResponse,
    { routes: [{ partyPattern: "tax:chinatax", kind: RouteKind.ROUTE_KIND_CONNECTOR, target: "tax" }] },
  ],
  [
    "GrantBody",
    GrantBody,
    {
      version: 1,
      grantorKind: GrantorKind.GRANTOR_KIND_HOLDER,
      granteeParty: "prov:440000",
      ownerParty: "prov:510000",
      subjectDigest: bytes(32, 0xa1),
      recordKind: RecordKind.RECORD_KIND_E_TICKET,
      recordIds: ["510100T20250302000123"],
      purpose: Purpose.PURPOSE_TICKET_SERVICE,
      notBefore: at("2025-03-01T00:00:00.000Z"),
      expiresAt: at("2025-03-08T00:00:00.000Z"),
      useLimit: 3,
      fieldsAllowed: ["ticket.ticket_no", "ticket.passenger.name"],
      issuedAt: at("2025-03-01T00:00:00.000Z"),
      nonce: bytes(16, 0x5a),
    },
  ],
  ["RegisterGrantRequest", RegisterGrantRequest, { context, grant: signedGrant }],
  ["RegisterGrantResponse", RegisterGrantResponse, { record: grantRecord }],
  [
    "RevokeGrantRequest",
    RevokeGrantRequest,
    { context, grantId: grantRecord.grantId, revocation: grantRecord.revocation },
  ],
  ["RevokeGrantResponse", RevokeGrantResponse, { record: grantRecord }],
  ["GetGrantRequest", GetGrantRequest, { context, grantId: grantRecord.grantId }],
  ["GetGrantResponse", GetGrantResponse, { record: grantRecord }],
  [
    "ListGrantsRequest",
    ListGrantsRequest,
    {
      context,
      filter: { $case: "subjectDigest", value: bytes(32, 0xa1) },
      pageSize: 20,
      pageToken: "p2",
      statuses: [GrantStatus.GRANT_STATUS_ACTIVE, GrantStatus.GRANT_STATUS_USED_UP],
    },
  ],
  ["ListGrantsResponse", ListGrantsResponse, { records: [grantRecord], nextPageToken: "p3" }],
  ["GetGatewayInfoRequest", GetGatewayInfoRequest, {}],
  [
    "GetGatewayInfoResponse",
    GetGatewayInfoResponse,
    {
      partyId: "mot",
      role: GatewayRole.GATEWAY_ROLE_HUB,
      version: "0.1.0",
      apiPackage: "hutong.v1",
      services: ["hutong.v1.TicketService"],
      startedAt: at("2025-03-01T00:00:00.000Z"),
      certificates: [
        {
          subjectParty: "mot",
          subjectName: "CN=mot, O=hutong",
          serial: "0a1b",
          notBefore: at("2025-01-01T00:00:00.000Z"),
          notAfter: at("2027-01-01T00:00:00.000Z"),
        },
      ],
      crls: [
        {
          issuerName: "CN=hutong CA",
          issuerParty: "",
          thisUpdate: at("2025-03-01T00:00:00.000Z"),
          nextUpdate: at("2025-03-08T00:00:00.000Z"),
          revokedCount: 2,
        },
      ],
      auditLog: {
        origin: "hutong/mot/audit/sm3",
        verifierKey: "hutong/mot/audit/sm3+01020304+/wE=",
        size: 42n,
        latestCheckpointSize: 0n,
        latestCheckpointTime: at("2025-03-01T00:00:01.000Z"),
      },
      witnesses: [
        {
          party: "prov:510000",
          keyName: "hutong/prov:510000/witness",
          state: AuditWitnessState.AUDIT_WITNESS_STATE_DISAGREES,
          lastCosignedSize: 40n,
          detail: "holds a larger checkpoint of this log than this gateway signed",
        },
      ],
    },
  ],
  [
    "QueryEntriesRequest",
    QueryEntriesRequest,
    {
      subjectDigest: bytes(32, 0xa1),
      fromTime: at("2025-03-01T00:00:00.000Z"),
      pageSize: 20,
      pageToken: "p2",
      correlationId: "console/4f1c",
    },
  ],
  ["ListOutboxQueuesRequest", ListOutboxQueuesRequest, {}],
  [
    "ListOutboxQueuesResponse",
    ListOutboxQueuesResponse,
    {
      queues: [
        {
          topic: "grant-revocation",
          destination: "prov:440000",
          pending: 3,
          inFlight: 1,
          blocked: 0,
          dead: 2,
          oldestPendingAgeSeconds: 90,
          breaker: OutboxBreakerState.OUTBOX_BREAKER_STATE_HALF_OPEN,
        },
      ],
    },
  ],
  [
    "ListDeadLettersRequest",
    ListDeadLettersRequest,
    { topic: "grant-revocation", destination: "mot", pageSize: 10, pageToken: "p2" },
  ],
  [
    "ListDeadLettersResponse",
    ListDeadLettersResponse,
    {
      deadLetters: [
        {
          id: 9007199254740993n,
          topic: "grant-revocation",
          destination: "mot",
          attempts: 50,
          lastError: "PERMISSION_DENIED",
          createdAt: at("2025-03-01T00:00:00.000Z"),
          deadAt: at("2025-03-02T00:00:00.000Z"),
        },
      ],
      nextPageToken: "p3",
    },
  ],
  ["ReplayDeadLetterRequest", ReplayDeadLetterRequest, { id: 17n }],
  [
    "ReplayDeadLetterResponse",
    ReplayDeadLetterResponse,
    {
      replayed: { id: 17n, topic: "grant-revocation", destination: "mot", attempts: 3, lastError: "x" },
      auditIndex: 0n,
    },
  ],
];

describe("hutong.v1 messages", () => {
  for (const [name, fns, partial] of samples) {
    it(`${name} round-trips through binary and JSON`, () => {
      const message = fns.fromPartial(partial as never);
      const wire = fns.encode(message).finish();
      assert.ok(wire.length > 0 || name.endsWith("Request"), `${name} encodes to some bytes`);
      assert.deepEqual(fns.decode(wire), message);
      const json = JSON.parse(JSON.stringify(fns.toJSON(message)));
      assert.deepEqual(fns.fromJSON(json), message);
      assert.deepEqual(Buffer.from(fns.encode(fns.fromJSON(json)).finish()), Buffer.from(wire));
    });
  }

  it("carries int64 as exact bigint, and as a decimal string in JSON", () => {
    const ticket = GetTicketResponse.fromPartial({ ticket: { insuranceFen: 9007199254740993n } });
    const json = GetTicketResponse.toJSON(ticket) as { ticket: { insuranceFen: unknown } };
    assert.equal(json.ticket.insuranceFen, "9007199254740993");
    assert.equal(
      GetTicketResponse.decode(GetTicketResponse.encode(ticket).finish()).ticket?.insuranceFen,
      9007199254740993n,
    );
  });

  it("uses the tax authority's codes as enum numbers", () => {
    assert.equal(IdType.ID_TYPE_RESIDENT_ID_CARD, 201);
    assert.equal(IdType.ID_TYPE_FOREIGNER_PERMANENT_RESIDENCE_ID, 233);
    assert.equal(SpecialElementType.SPECIAL_ELEMENT_TYPE_PASSENGER_TRANSPORT, 9);
    assert.equal(VehicleType.VEHICLE_TYPE_COACH, 3);
    assert.equal(ReversalReason.REVERSAL_REASON_SERVICE_TERMINATED, 3);
  });
});

describe("hutong.v1 services", () => {
  const expected: Array<[string, Record<string, { path: string }>, string[]]> = [
    ["SessionService", SessionServiceService, ["Hello", "Finish"]],
    ["TicketService", TicketServiceService, ["GetTicket", "VerifyTicket"]],
    ["LicenceService", LicenceServiceService, ["GetLicence", "VerifyLicence"]],
    ["InvoiceService", InvoiceServiceService, ["IssueInvoice", "ReverseInvoice", "QueryInvoices"]],
    ["ThroughTicketService", ThroughTicketServiceService, ["ApplyLegNotice", "QueryRoadLeg", "ListLegMismatches"]],
    ["PartnerLegService", PartnerLegServiceService, ["QueryPartnerLeg"]],
    ["RegistryService", RegistryServiceService, ["ListParties", "ListRoutes", "GetGatewayInfo"]],
    ["OutboxAdminService", OutboxAdminServiceService, ["ListOutboxQueues", "ListDeadLetters", "ReplayDeadLetter"]],
    ["GrantService", GrantServiceService, ["RegisterGrant", "RevokeGrant", "GetGrant", "ListGrants"]],
    [
      "AuditService",
      AuditServiceService,
      ["GetCheckpoint", "ProveInclusion", "ProveConsistency", "QueryEntries", "ExportEntries", "AddCheckpoint"],
    ],
  ];
  for (const [service, definition, methods] of expected) {
    it(`${service} has the expected method paths`, () => {
      const paths = Object.values(definition)
        .map((m) => m.path)
        .sort();
      assert.deepEqual(paths, methods.map((m) => `/hutong.v1.${service}/${m}`).sort());
    });
  }

  // The gateway reads field 1 of any exchange request as its RequestContext without decoding the rest
  // (gateway/server/src/routing/request-context.ts), so every request message of these services keeps it there.
  it("keeps RequestContext at field 1 of every request of the context-carrying services", () => {
    const services = [TicketServiceService, LicenceServiceService, InvoiceServiceService, GrantServiceService];
    for (const service of services) {
      for (const method of Object.values(service)) {
        const fns = method as unknown as {
          path: string;
          requestSerialize(value: unknown): Buffer;
          requestDeserialize(bytes: Buffer): unknown;
        };
        const wire = fns.requestSerialize(fns.requestDeserialize(contextOnlyRequest(context)));
        assert.equal(wire[0], 0x0a, `${fns.path}: field 1, length-delimited`);
        const len = wire[1] ?? 0;
        assert.deepEqual(RequestContext.decode(wire.subarray(2, 2 + len)), context, fns.path);
      }
    }
  });

  it("serves and calls SessionService.Hello over a real grpc-js server", async () => {
    const server = new Server();
    const impl: SessionServiceServer = {
      hello: (call, callback) => {
        callback(null, {
          serverRandom: Buffer.from(call.request.clientRandom).reverse(),
          serverEphemeral: bytes(65, 4),
          serverChain: [],
          serverSignature: bytes(70, 1),
          cookie: Buffer.from(call.request.targetParty),
          protection: call.request.protection,
        });
      },
      finish: (_call, callback) => callback(null, FinishResponse.fromPartial({})),
    };
    server.addService(SessionServiceService, impl);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    const client = new SessionServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      const request = HelloRequest.fromPartial({
        version: 1,
        clientRandom: Buffer.from([1, 2, 3]),
        targetParty: "mot",
        protection: Protection.PROTECTION_SM4_CTR_HMAC_SM3,
      });
      const response = await new Promise<HelloResponse>((resolve, reject) =>
        client.hello(request, (err, res) => (err ? reject(err) : resolve(res))),
      );
      assert.deepEqual([...response.serverRandom], [3, 2, 1]);
      assert.equal(response.cookie.toString(), "mot");
      assert.equal(response.protection, Protection.PROTECTION_SM4_CTR_HMAC_SM3);
    } finally {
      client.close();
      server.forceShutdown();
    }
  });
});

describe("personal fields", () => {
  it("lists the marked fields and the paths that reach them", () => {
    const person = personalFields.get("hutong.v1.Person");
    assert.deepEqual(
      person?.map((f) => [f.tsName, f.kind]),
      [
        ["name", PersonalKind.PERSONAL_KIND_NAME],
        ["idNo", PersonalKind.PERSONAL_KIND_ID_NUMBER],
        ["phone", PersonalKind.PERSONAL_KIND_PHONE],
      ],
    );
    const licence = personalFields.get("hutong.v1.Licence");
    assert.deepEqual(
      licence?.map((f) => f.tsName),
      ["operatingPermit", "practitionerQualification"],
    );
    assert.deepEqual(
      licence?.find((f) => f.tsName === "practitionerQualification"),
      {
        field: "practitioner_qualification",
        tsName: "practitionerQualification",
        number: 22,
        repeated: false,
        oneof: "details",
        message: "hutong.v1.PractitionerQualification",
      },
    );
    assert.ok(personalFields.has("hutong.v1.GetTicketResponse"));
    // "Verify, don't fetch" answers carry no personal data.
    assert.equal(personalFields.has("hutong.v1.VerifyTicketResponse"), false);
    assert.equal(personalFields.has("hutong.v1.VerifyLicenceResponse"), false);
    assert.equal(personalFields.has("hutong.v1.QueryInvoicesResponse"), false);
    assert.equal(personalFields.has("hutong.v1.QueryRoadLegResponse"), false);
    assert.equal(personalFields.has("hutong.v1.QueryPartnerLegResponse"), false);
    // A partner's notice carries the road leg's passenger: a personal field, sealed at rest.
    assert.ok(personalFields.has("hutong.v1.LegNotice"));
  });
});

describe("tables derived from the options", () => {
  const grpcServices: Array<[string, Record<string, { path: string }>]> = [
    ["hutong.v1.SessionService", SessionServiceService],
    ["hutong.v1.TicketService", TicketServiceService],
    ["hutong.v1.TicketEventService", TicketEventServiceService],
    ["hutong.v1.TicketStatisticsService", TicketStatisticsServiceService],
    ["hutong.v1.LicenceService", LicenceServiceService],
    ["hutong.v1.LicenceIssuanceService", LicenceIssuanceServiceService],
    ["hutong.v1.LicenceLibraryService", LicenceLibraryServiceService],
    ["hutong.v1.LicenceMaintenanceService", LicenceMaintenanceServiceService],
    ["hutong.v1.InvoiceService", InvoiceServiceService],
    ["hutong.v1.ThroughTicketService", ThroughTicketServiceService],
    ["hutong.v1.PartnerLegService", PartnerLegServiceService],
    ["hutong.v1.RegistryService", RegistryServiceService],
    ["hutong.v1.OutboxAdminService", OutboxAdminServiceService],
    ["hutong.v1.GrantService", GrantServiceService],
    ["hutong.v1.AuditService", AuditServiceService],
  ];

  it("say how a gateway treats every hutong.v1 service, with the grpc-js method paths", () => {
    assert.deepEqual(Object.fromEntries(contractServices.map((s) => [s.name, s.routing])), {
      "hutong.v1.RegistryService": "local",
      "hutong.v1.OutboxAdminService": "local",
      "hutong.v1.AuditService": "local",
      "hutong.v1.GrantService": "target-gateway",
      "hutong.v1.InvoiceService": "share",
      "hutong.v1.LicenceService": "share",
      "hutong.v1.LicenceIssuanceService": "share",
      "hutong.v1.LicenceLibraryService": "share",
      "hutong.v1.LicenceMaintenanceService": "share",
      "hutong.v1.PartnerLegService": "share",
      "hutong.v1.SessionService": "local",
      "hutong.v1.ThroughTicketService": "share",
      "hutong.v1.TicketEventService": "share",
      "hutong.v1.TicketService": "share",
      "hutong.v1.TicketStatisticsService": "share",
    });
    for (const [name, definition] of grpcServices) {
      const s = contractServices.find((c) => c.name === name);
      assert.deepEqual(
        s?.methods.map((m) => m.path).sort(),
        Object.values(definition)
          .map((m) => m.path)
          .sort(),
        name,
      );
    }
  });

  it("give every routed method its share semantics, and no other", () => {
    const routed = contractServices.filter((s) => s.routing !== "local").flatMap((s) => s.methods);
    assert.deepEqual([...shareMethods.keys()].sort(), routed.map((m) => m.path.slice(1)).sort());
    for (const [name, m] of shareMethods) {
      const grantAdmin = name.startsWith("hutong.v1.GrantService/");
      assert.equal(m.recordKind === RecordKind.RECORD_KIND_UNSPECIFIED, grantAdmin, name);
      if (grantAdmin) assert.equal(m.operation, "deliver", name);
      assert.equal(m.operation === "fetch", m.responseRecord !== undefined, name);
      // A verify may confirm a claimed holder; nothing else does.
      if (m.holderConfirmedBy !== undefined) assert.equal(m.operation, "verify", name);
      // Annotated copies: both options or neither, on a fetch only.
      assert.equal(m.annotateRequest !== undefined, m.responseAnnotation !== undefined, name);
      if (m.responseAnnotation !== undefined) assert.equal(m.operation, "fetch", name);
    }
    const getTicket = shareMethods.get("hutong.v1.TicketService/GetTicket");
    assert.deepEqual(getTicket?.annotateRequest, [{ name: "annotate", number: 3, type: "bool" }]);
    assert.deepEqual(getTicket?.responseAnnotation, { name: "annotation", number: 2, type: "message" });
    assert.deepEqual(shareMethods.get("hutong.v1.LicenceService/GetLicence")?.requestRecordId, [
      { name: "lookup", number: 2, type: "message" },
      { name: "licence_id", number: 1, type: "string", oneof: [1, 2, 3] },
    ]);
  });

  it("declare each record kind's message, label, id and subject", () => {
    assert.deepEqual(
      [...recordSchemas.values()].map((r) => [
        RecordKind[r.kind],
        r.message,
        r.label,
        r.id.map((s) => s.name).join("."),
      ]),
      [
        ["RECORD_KIND_E_TICKET", "hutong.v1.Ticket", "ticket", "ticket_no"],
        ["RECORD_KIND_LICENCE", "hutong.v1.Licence", "licence", "licence_id"],
        ["RECORD_KIND_E_INVOICE", "hutong.v1.Invoice", "invoice", "invoice_no"],
      ],
    );
    const ticket = recordSchemas.get(RecordKind.RECORD_KIND_E_TICKET);
    assert.deepEqual(
      ticket?.subjects.map((s) => s.idNo.map((step) => step.number)),
      [[4, 3]],
    );
    assert.deepEqual(recordSchemas.get(RecordKind.RECORD_KIND_E_INVOICE)?.subjects, []);
    // A licence is about its practitioner, or about the enterprise holding the permit or owning
    // the vehicle, by its unified social credit code; the three part at the details oneof.
    const licence = recordSchemas.get(RecordKind.RECORD_KIND_LICENCE);
    assert.deepEqual(
      licence?.subjects.map((s) => [s.idNo.map((step) => step.name).join("."), s.idType?.at(-1)?.name, s.fixedIdType]),
      [
        ["practitioner_qualification.id_no", "id_type", undefined],
        ["operating_permit.holder_uscc", undefined, IdType.ID_TYPE_UNIFIED_SOCIAL_CREDIT_CODE],
        ["transport_certificate.owner_uscc", undefined, IdType.ID_TYPE_UNIFIED_SOCIAL_CREDIT_CODE],
      ],
    );
    for (const s of licence?.subjects ?? []) assert.deepEqual(s.idNo[0]?.oneof, [20, 21, 22]);
    // A view that includes another holds its fields too.
    for (const path of licence?.views.get("metadata") ?? []) {
      assert.ok(licence?.views.get("supervision")?.includes(path), path);
    }
  });

  it("hold every file of the contract as buf built it, imports first, with its symbols", () => {
    const names = contractFiles.map((f) => f.name);
    for (const f of contractFiles) {
      const decoded = fromBinary(FileDescriptorProtoSchema, f.descriptor);
      assert.equal(decoded.name, f.name);
      assert.deepEqual(decoded.dependency, [...f.dependencies]);
      for (const dep of f.dependencies)
        assert.ok(names.indexOf(dep) < names.indexOf(f.name), `${dep} before ${f.name}`);
      assert.equal(decoded.sourceCodeInfo, undefined, "no source info");
    }
    assert.equal(contractSymbols.get("hutong.v1.TicketService.GetTicket"), "hutong/v1/ticket_service.proto");
    assert.equal(contractSymbols.get("hutong.v1.Licence.details"), "hutong/v1/licence.proto");
    assert.equal(contractSymbols.get("google.protobuf.Timestamp"), "google/protobuf/timestamp.proto");
  });
});
