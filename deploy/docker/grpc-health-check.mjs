#!/usr/bin/env node
// usage: grpc-health-check.mjs HOST:PORT
// Exits 0 when the gRPC server at HOST:PORT (h2c) answers grpc.health.v1.Health/Check for the
// whole server ("") with SERVING, 1 otherwise: the compose healthcheck of a gateway. The image has
// no grpc_health_probe (nothing can be pulled here), and node:http2 needs no dependency.
import { connect } from "node:http2";

const target = process.argv[2] ?? "127.0.0.1:7443";
const timeoutMs = Number(process.env.HUTONG_HEALTH_TIMEOUT_MS ?? 3000);

function fail(why) {
  console.error(`grpc-health-check ${target}: ${why}`);
  process.exit(1);
}

setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs).unref();
const session = connect(`http://${target}`);
session.on("error", (err) => fail(err.message));
// HealthCheckRequest{service: ""} is the empty message: one uncompressed frame of length 0.
const stream = session.request({
  ":method": "POST",
  ":path": "/grpc.health.v1.Health/Check",
  "content-type": "application/grpc",
  te: "trailers",
});
const chunks = [];
let grpcStatus;
stream.on("response", (headers) => {
  // A Trailers-Only answer carries grpc-status in the headers.
  if (headers["grpc-status"] !== undefined) grpcStatus = String(headers["grpc-status"]);
});
stream.on("trailers", (trailers) => {
  grpcStatus = String(trailers["grpc-status"]);
});
stream.on("data", (chunk) => chunks.push(chunk));
stream.on("error", (err) => fail(err.message));
stream.on("end", () => {
  session.close();
  if (grpcStatus !== "0") fail(`grpc-status ${grpcStatus ?? "missing"}`);
  const body = Buffer.concat(chunks);
  // One frame: flag byte, 4-byte length, HealthCheckResponse; status is field 1 (varint), SERVING = 1.
  const length = body.length >= 5 ? body.readUInt32BE(1) : -1;
  if (length !== body.length - 5) fail("malformed response frame");
  const message = body.subarray(5);
  const status = message.length >= 2 && message[0] === 0x08 ? message[1] : 0;
  if (status !== 1) fail(`status ${status} (1 is SERVING)`);
  process.exit(0);
});
stream.end(Buffer.alloc(5));
