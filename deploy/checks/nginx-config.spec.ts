import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { missingTool } from "./deploy-tools.js";

const template = readFileSync(new URL("../nginx/nginx.conf", import.meta.url), "utf8");

/** The file without comments (none of its quoted strings holds a #). */
const directives = template.replace(/#.*$/gm, "");

const placeholder = /@[A-Z0-9_]+@/g;

function render(values: Readonly<Record<string, string>>): string {
  return template.replace(placeholder, (token) => {
    const value = values[token];
    assert.ok(value !== undefined, `no value for ${token}`);
    return value;
  });
}

/** A port nothing listens on now (nginx -t does not bind, but the rendered file should be real). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address !== null && typeof address === "object");
  return address.port;
}

interface Run {
  readonly code: number;
  readonly stderr: string;
}

function run(file: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 30_000 }, (error, _stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ code, stderr: String(stderr) });
    });
  });
}

/**
 * Renders the template into a fresh directory (a self-signed P-256 certificate, two upstream
 * replicas on loopback, the prefix for pid and buffers) with `edit` applied, and runs `nginx -t`
 * on it.
 */
async function nginxTest(edit: (rendered: string) => string = (text) => text): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), "hutong-nginx-"));
  try {
    const cert = join(dir, "tls.crt");
    const key = join(dir, "tls.key");
    const made = await run("openssl", [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
      ...["-subj", "/CN=localhost", "-days", "1", "-keyout", key, "-out", cert],
    ]);
    assert.equal(made.code, 0, made.stderr);
    const conf = join(dir, "nginx.conf");
    const rendered = render({
      "@LISTEN_PORT@": `127.0.0.1:${await freePort()}`,
      "@UPSTREAM_1@": `127.0.0.1:${await freePort()}`,
      "@UPSTREAM_2@": `127.0.0.1:${await freePort()}`,
      "@CERT@": cert,
      "@KEY@": key,
      "@PREFIX@": dir,
      "@ACCESS_LOG@": join(dir, "access.log"),
    });
    await writeFile(conf, edit(rendered));
    // -e: nginx opens its compiled-in error log before reading the config; keep it off /var/log.
    return await run("nginx", ["-t", "-p", `${dir}/`, "-c", conf, "-e", "stderr"]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const skip = missingTool("nginx") ?? missingTool("openssl");

test("the rendered nginx.conf passes nginx -t", { skip }, async () => {
  const result = await nginxTest();
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /test is successful/);
});

test("a broken directive fails nginx -t, which names it", { skip }, async () => {
  const result = await nginxTest((text) => text.replace("grpc_pass grpc://", "grpc_passs grpc://"));
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /unknown directive "grpc_passs"/);
  const badSize = await nginxTest((text) => text.replace("grpc_buffer_size 64k;", "grpc_buffer_size sixty-four;"));
  assert.notEqual(badSize.code, 0);
  assert.match(badSize.stderr, /grpc_buffer_size/);
});

test("every placeholder is documented at the top, and rendering leaves none behind", () => {
  const header = template.slice(0, template.search(/^[^#\n]/m));
  const documented = new Set(header.match(placeholder));
  const used = new Set(directives.match(placeholder));
  assert.deepEqual([...used].sort(), [...documented].sort());
  const rendered = render(Object.fromEntries([...documented].map((t) => [t, "x"])));
  assert.doesNotMatch(rendered, placeholder);
});

function bytes(size: string): number {
  const m = /^(\d+)([kKmM]?)$/.exec(size);
  assert.ok(m !== null, `not a size: ${size}`);
  const unit = (m[2] ?? "").toLowerCase();
  return Number(m[1]) * (unit === "k" ? 1024 : unit === "m" ? 1024 * 1024 : 1);
}

function directive(name: string): string[] {
  return [...directives.matchAll(new RegExp(`^\\s*${name}\\s+([^;{}]*);`, "gm"))].map((m) => (m[1] ?? "").trim());
}

test("TLS 1.3 and HTTP/2 in front, gRPC to two replicas with passive failover behind", () => {
  assert.deepEqual(directive("listen"), ["@LISTEN_PORT@ ssl http2"]);
  assert.deepEqual(directive("ssl_protocols"), ["TLSv1.3"]);
  assert.deepEqual(directive("grpc_pass"), ["grpc://hutong_gateway"]);
  const servers = directive("server");
  assert.equal(servers.length, 2);
  for (const server of servers) {
    assert.match(server, /^@UPSTREAM_[12]@ /);
    assert.match(server, /\bmax_fails=\d+/);
    assert.match(server, /\bfail_timeout=\d+s/);
  }
});

test("headers take a 64 KiB ticket, calls are rate-limited, and none is resent to another replica", () => {
  const [count, size] = (directive("large_client_header_buffers")[0] ?? "").split(/\s+/);
  assert.ok(Number(count) >= 4 && bytes(size ?? "") >= 32 * 1024, "large_client_header_buffers below 4 32k");
  assert.ok(bytes(directive("grpc_buffer_size")[0] ?? "0") >= 64 * 1024, "grpc_buffer_size below 64k");
  assert.equal(directive("limit_req_zone").length, 1);
  assert.match(directive("limit_req")[0] ?? "", /^zone=hutong_calls\b/);
  const next = directive("grpc_next_upstream");
  assert.equal(next.length, 1);
  assert.ok(next[0] === "off" || next[0] === "error", `grpc_next_upstream ${next[0]}`);
  assert.doesNotMatch(directives, /non_idempotent/);
});

test("the access log format holds no personal data", () => {
  const formats = [...directives.matchAll(/^\s*log_format\s+(\S+)\s+(?:escape=\S+\s+)?([^;]*);/gm)];
  assert.deepEqual(
    formats.map((m) => m[1]),
    ["hutong_safe"],
  );
  for (const log of directive("access_log")) assert.match(log, /^\S+ hutong_safe$|^off$/);
  const format = formats[0]?.[2] ?? "";
  assert.doesNotMatch(format, /hutong/i);
  const safe = [
    "time_iso8601",
    "request_method",
    "uri",
    "status",
    "grpc_status_logged",
    "request_time",
    "upstream_addr",
    "request_length",
    "bytes_sent",
    "request_id",
  ];
  for (const variable of format.match(/\$\w+/g) ?? []) {
    // $http_*, $request_body, $args, $request_uri, $remote_addr... are all off the list.
    assert.ok(safe.includes(variable.slice(1)), `the access log logs ${variable}`);
  }
});
