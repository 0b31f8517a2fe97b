import { type Credentials, loadCredentialFiles } from "@hutong/client";
import {
  type ClientSession,
  createClientSession,
  createHandshakeClient,
  finishRequest,
  finishResponse,
  helloRequest,
  helloResponse,
  sessionPaths,
} from "@hutong/session";
import { createWireChannel } from "@hutong/wire";
import type { ClientIdentityFiles } from "./bench-protocol.js";

export function loadClientCredentials(identity: ClientIdentityFiles): Promise<Credentials> {
  return loadCredentialFiles({
    chain: identity.chain,
    key: identity.key,
    anchors: identity.anchors,
    crls: identity.crls,
  });
}

/**
 * One full handshake (Hello + Finish) with the gateway at `address`, done by hand rather than
 * through the SDK's session client, because the load generator signs and checks each call itself
 * and so needs the ClientSession the SDK keeps private.
 */
export async function establishSession(
  address: string,
  serverParty: string,
  creds: Credentials,
  protection: "sm4" | "plaintext" = "sm4",
): Promise<ClientSession> {
  const channel = createWireChannel(address);
  try {
    const hs = createHandshakeClient({
      privateKey: creds.privateKey,
      chain: creds.chain,
      trust: creds.trust,
      protection,
    }).start(serverParty);
    const deadline = Date.now() + 10_000;
    const hello = await channel.unary(sessionPaths.hello, helloRequest.encode(hs.clientHello), {}, { deadline });
    const awaiting = await hs.receive(helloResponse.decode(hello.body), { now: Date.now(), crls: creds.crls });
    const finish = await channel.unary(
      sessionPaths.finish,
      finishRequest.encode(awaiting.clientFinish),
      {},
      { deadline },
    );
    return createClientSession(awaiting.complete(finishResponse.decode(finish.body)));
  } finally {
    channel.close();
  }
}
