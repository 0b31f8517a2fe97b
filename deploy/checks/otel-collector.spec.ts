import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { checkCollectorConfig, checkCollectorConfigText } from "./otel-collector.js";

const text = readFileSync(new URL("../otel/collector.yaml", import.meta.url), "utf8");

// biome-ignore lint/suspicious/noExplicitAny: the tests edit the parsed YAML freely to break it.
type Config = any;

/** The real config, parsed afresh, edited by `change`, then checked. */
function problemsAfter(change: (c: Config) => void): string[] {
  const config: Config = parse(text);
  change(config);
  return checkCollectorConfig(config);
}

function assertProblem(problems: readonly string[], expected: RegExp): void {
  assert.ok(
    problems.some((p) => expected.test(p)),
    `expected a problem matching ${expected}, got:\n${problems.join("\n")}`,
  );
}

describe("the OpenTelemetry Collector config (deploy/otel/collector.yaml)", () => {
  it("passes the structural check", () => {
    assert.deepEqual(checkCollectorConfigText(text), []);
  });

  it("receives OTLP over gRPC and HTTP on 4317/4318 and sends traces and metrics through the redaction", () => {
    const config: Config = parse(text);
    assert.equal(config.receivers.otlp.protocols.grpc.endpoint, "0.0.0.0:4317");
    assert.equal(config.receivers.otlp.protocols.http.endpoint, "0.0.0.0:4318");
    for (const signal of ["traces", "metrics"]) {
      assert.deepEqual(config.service.pipelines[signal].processors, [
        "memory_limiter",
        "attributes/personal-data",
        "redaction/personal-data",
        "batch",
      ]);
    }
  });

  it("deletes attributes named for personal data and masks ID and phone numbers in the rest", () => {
    const config: Config = parse(text);
    const patterns: RegExp[] = config.processors["attributes/personal-data"].actions.map((a: Config) => {
      assert.equal(a.action, "delete");
      // Go's RE2 takes (?i) as a prefix; JavaScript as a flag. The rest of these patterns means the same in both.
      const source: string = a.pattern;
      return source.startsWith("(?i)") ? new RegExp(source.slice(4), "i") : new RegExp(source);
    });
    const deleted = (key: string) => patterns.some((p) => p.test(key));
    for (const key of [
      "hutong.subject",
      "hutong.subject.digest",
      "holder_id_no",
      "ticket.holderIdNo",
      "passenger.id_number",
      "user.phone",
      "contact.mobile",
      "holder_name",
      "traveller.name",
      "legalRepresentative",
      "photo",
    ]) {
      assert.ok(deleted(key), `${key} is deleted`);
    }
    for (const key of ["rpc.method", "rpc.system", "hutong.target_party", "hutong.purpose", "hutong.route"]) {
      assert.ok(!deleted(key), `${key}, which the gateway sets, is kept`);
    }
    const masks: RegExp[] = config.processors["redaction/personal-data"].blocked_values.map(
      (v: string) => new RegExp(v),
    );
    assert.equal(config.processors["redaction/personal-data"].allow_all_keys, true, "masks values, keeps keys");
    assert.ok(masks.some((m) => m.test("holder 51010419900101123X boarding")));
    assert.ok(masks.some((m) => m.test("call 13812345678")));
    assert.ok(!masks.some((m) => m.test("trace 4bf92f3577b34da6a3ce929d0e0e4736")));
  });

  it("refuses a pipeline naming a component that is not defined", () => {
    assertProblem(
      problemsAfter((c) => c.service.pipelines.traces.exporters.push("otlp/elsewhere")),
      /^service\.pipelines\.traces\.exporters: otlp\/elsewhere is not defined/,
    );
    assertProblem(
      problemsAfter((c) => {
        c.service.pipelines.traces.receivers = ["zipkin"];
      }),
      /^service\.pipelines\.traces\.receivers: zipkin is not defined/,
    );
    assertProblem(
      problemsAfter((c) => {
        delete c.processors["redaction/personal-data"];
      }),
      /^service\.pipelines\.traces\.processors: redaction\/personal-data is not defined/,
    );
    assertProblem(
      problemsAfter((c) => c.service.extensions.push("pprof")),
      /^service\.extensions: pprof is not defined/,
    );
  });

  it("refuses component types the contrib distribution does not have, and malformed ids", () => {
    assertProblem(
      problemsAfter((c) => {
        c.processors.memorylimiter = {};
        c.service.pipelines.traces.processors[0] = "memorylimiter";
      }),
      /^processors\.memorylimiter: unknown processor type "memorylimiter"/,
    );
    assertProblem(
      problemsAfter((c) => {
        c.exporters["jaeger/old"] = { endpoint: "localhost:14250" };
        c.service.pipelines.traces.exporters.push("jaeger/old");
      }),
      /^exporters\.jaeger\/old: unknown exporter type "jaeger"/,
    );
    assertProblem(
      problemsAfter((c) => {
        c.receivers.OTLP = {};
      }),
      /^receivers\.OTLP: not a component id/,
    );
    assertProblem(
      problemsAfter((c) => {
        c.service.pipelines.spans = c.service.pipelines.traces;
      }),
      /^service\.pipelines\.spans: not a signal/,
    );
    assertProblem(
      problemsAfter((c) => {
        c.processor = {};
      }),
      /^processor: unknown top-level key/,
    );
  });

  it("requires memory_limiter first, batch last and a redacting processor in every pipeline", () => {
    assertProblem(
      problemsAfter((c) => c.service.pipelines.metrics.processors.reverse()),
      /^service\.pipelines\.metrics\.processors: memory_limiter must come first/,
    );
    assertProblem(
      problemsAfter((c) => c.service.pipelines.traces.processors.reverse()),
      /^service\.pipelines\.traces\.processors: batch must come last/,
    );
    assertProblem(
      problemsAfter((c) => {
        c.service.pipelines.traces.processors = ["memory_limiter", "batch"];
      }),
      /^service\.pipelines\.traces\.processors: no attributes or redaction processor/,
    );
    assertProblem(
      problemsAfter((c) => {
        c.service.pipelines.traces.processors = ["memory_limiter", "attributes/personal-data", "batch", "batch"];
      }),
      /^service\.pipelines\.traces\.processors: batch listed twice/,
    );
  });

  it("refuses plaintext or unverified TLS to a non-local endpoint, and allows it to a local one", () => {
    assertProblem(
      problemsAfter((c) => {
        c.exporters["otlp/backend"].tls = { insecure: true };
      }),
      /^exporters\.otlp\/backend\.tls\.insecure: true for non-local endpoint tracing-backend\.example\.internal/,
    );
    assertProblem(
      problemsAfter((c) => {
        c.exporters["otlp/backend"].tls.insecure_skip_verify = true;
      }),
      /^exporters\.otlp\/backend\.tls\.insecure_skip_verify: true/,
    );
    assertProblem(
      problemsAfter((c) => {
        c.exporters.otlphttp = { endpoint: "http://tempo.monitoring.svc:4318" };
        c.service.pipelines.traces.exporters.push("otlphttp");
      }),
      /^exporters\.otlphttp\.endpoint: plaintext http:\/\/ to non-local tempo\.monitoring\.svc/,
    );
    assertProblem(
      problemsAfter((c) => {
        c.exporters["otlp/backend"] = { endpoint: "[2001:db8::1]:4317", tls: { insecure: true } };
      }),
      /insecure: true for non-local endpoint 2001:db8::1/,
    );
    for (const endpoint of ["localhost:4317", "127.0.0.1:4317", "[::1]:4317", "http://127.0.0.1:4318"]) {
      assert.deepEqual(
        problemsAfter((c) => {
          c.exporters["otlp/backend"] = { endpoint, tls: { insecure: true } };
        }),
        [],
        endpoint,
      );
    }
  });

  it("refuses components defined but used by no pipeline, a missing service and bad YAML", () => {
    assertProblem(
      problemsAfter((c) => {
        c.exporters.debug = { verbosity: "basic" };
      }),
      /^exporters\.debug: defined but used by no pipeline/,
    );
    assertProblem(
      problemsAfter((c) => {
        delete c.service;
      }),
      /^service: missing/,
    );
    assertProblem(
      problemsAfter((c) => {
        c.service.pipelines = {};
      }),
      /^service\.pipelines: expected at least one pipeline/,
    );
    assertProblem(
      problemsAfter((c) => {
        c.service.pipelines.logs = {
          receivers: [],
          processors: ["memory_limiter", "attributes/personal-data", "batch"],
        };
      }),
      /^service\.pipelines\.logs\.exporters: at least one is needed/,
    );
    assertProblem(checkCollectorConfigText("receivers:\n  otlp: {}\n  otlp: {}\n"), /^\(yaml\): /);
  });
});
