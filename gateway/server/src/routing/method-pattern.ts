import { RoutingError } from "./routing-error.js";

/**
 * A set of gRPC methods, named as "package.Service/Method" (the gRPC path
 * without its leading slash): exactly one method, "package.Service/*" for a
 * whole service, or "*" for every method.
 */
export type MethodPattern =
  | { readonly form: "any"; readonly text: string }
  | { readonly form: "service"; readonly text: string; readonly service: string }
  | { readonly form: "exact"; readonly text: string };

const serviceName = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const methodName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Throws RoutingError("invalid-pattern") for anything but the three forms. */
export function compileMethodPattern(text: string): MethodPattern {
  if (text === "*") return { form: "any", text };
  const slash = text.indexOf("/");
  const service = text.slice(0, slash);
  const method = text.slice(slash + 1);
  if (slash < 0 || !serviceName.test(service) || (method !== "*" && !methodName.test(method))) {
    throw new RoutingError(
      "invalid-pattern",
      `invalid method pattern ${JSON.stringify(text.slice(0, 120))}: expected "*", "package.Service/*" or "package.Service/Method"`,
    );
  }
  return method === "*" ? { form: "service", text, service } : { form: "exact", text };
}

export function matchesMethod(pattern: MethodPattern, method: string): boolean {
  switch (pattern.form) {
    case "any":
      return true;
    case "exact":
      return method === pattern.text;
    case "service": {
      const slash = method.lastIndexOf("/");
      return (
        slash === pattern.service.length &&
        method.startsWith(pattern.service) &&
        methodName.test(method.slice(slash + 1))
      );
    }
  }
}
