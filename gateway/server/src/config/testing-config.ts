/** The example config of the brief, every section present; paths relative to the config file. */
export const fullConfigYaml = `# a province gateway
party: prov:510000
role: province
listen:
  host: 127.0.0.1
  port: 7443
  tls: { certFile: pki/tls/gw.pem, keyFile: pki/tls/gw-key.pem }
dataDir: ./data
identity:
  chain: pki/gw/chain.pem
  key: pki/gw/key.pem
  passphraseEnv: HUTONG_KEY_PASSPHRASE
trust:
  anchors: [pki/root/ca.pem]
  intermediates: []
  crls: [pki/ca/crl.pem]
  crlRefreshSeconds: 60
session:
  ticketKeys:
    current: { id: 1, secretFile: state/ticket-key-1.hex }
    previous: { id: 0, secretEnv: HUTONG_TICKET_KEY_0 }
  ticketLifetimeSeconds: 3600
  clockSkewSeconds: 30
  acceptPlaintext: [loopback, "prov:510000/*"]
  handshake:
    maxConcurrent: 32
    perAddress: null
    perParty: { perSecond: 5, burst: 20 }
limits: { maxMessageBytes: 4194304, maxConcurrentStreams: 1000, maxHops: 8, maxUnauthenticatedStreams: 8, idleTimeoutMs: 60000 }
routes:
  - match: prov:440000
    local: 127.0.0.1:9001
    timeoutMs: 5000
    maxInFlight: 256
    maxQueued: 1024
  - match: prov:510000/*
    local: "[::1]:9002"
  - match: "*"
    peer:
      address: 127.0.0.1:7444
      party: mot
      tls: { caFile: pki/tls/ca.pem, serverName: hub.example }
acl:
  - callers: ["prov:440000", "prov:440000/*"]
    methods: ["hutong.v1.TicketService/*"]
    purposes: [BOARDING_CHECK]
    targets: ["prov:510000"]
relays:
  - peer: mot
    origins: ["*"]
reflection: true
observability:
  logLevel: info
  prometheus: { host: 127.0.0.1, port: 9464 }
  otlp: { endpoint: http://127.0.0.1:4318 }
  traceSampleRatio: 1
`;

/** The smallest valid config, as a parsed document; tests spread their mistakes into it. */
export function minimalConfig(): Record<string, unknown> {
  return {
    party: "prov:510000",
    role: "province",
    identity: { chain: "chain.pem", key: "key.pem" },
    trust: { anchors: ["ca.pem"] },
    session: { ticketKeys: { current: { id: 1, secretEnv: "TICKET_KEY" } } },
  };
}
