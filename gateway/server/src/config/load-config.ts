import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parseDocument } from "yaml";
import { ConfigError, isConfigError } from "./config-error.js";
import { type GatewayConfig, parseGatewayConfig } from "./gateway-config.js";

/** Reads the config file's text; any failure is ConfigError("not-found") naming the file and the reason. */
export async function readGatewayConfigText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : String(code ?? error);
    throw new ConfigError("not-found", `cannot read gateway config ${path}: ${why}`, [], { cause: error });
  }
}

/**
 * Parses config text read from `path` (used for messages and as the base of
 * relative paths). One YAML document; duplicate keys are syntax errors, as
 * the yaml package treats them, so a second "routes:" cannot silently win.
 */
export function parseGatewayConfigText(text: string, path: string): GatewayConfig {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const reason = (e.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
      const pos = e.linePos?.[0];
      return pos === undefined ? reason : `line ${pos.line}, column ${pos.col}: ${reason}`;
    });
    throw new ConfigError("yaml-syntax", `gateway config ${path} is not valid YAML`, lines);
  }
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (error) {
    // toJS fails on unresolvable or excessive aliases, which are syntax problems to an operator.
    throw new ConfigError(
      "yaml-syntax",
      `gateway config ${path} is not valid YAML`,
      [String((error as Error).message)],
      {
        cause: error,
      },
    );
  }
  try {
    return parseGatewayConfig(value, dirname(path));
  } catch (error) {
    if (isConfigError(error, "invalid")) {
      throw new ConfigError("invalid", `invalid gateway config ${path}`, error.problems, { cause: error });
    }
    throw error;
  }
}

/** Reads, parses and validates the gateway config file; errors are ConfigError (not-found, yaml-syntax, invalid). */
export async function loadGatewayConfig(path: string): Promise<GatewayConfig> {
  const absolute = resolve(path);
  return parseGatewayConfigText(await readGatewayConfigText(absolute), absolute);
}
