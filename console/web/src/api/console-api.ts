import type {
  ApiError,
  AuditSearchRequest,
  AuditSearchResult,
  CorrelationView,
  DeliveryView,
  FederationView,
  GrantsView,
  InclusionProofView,
  IndicatorsView,
  Me,
  MyDataView,
  ReplayRequest,
  ReplayResult,
  SignInRequest,
} from "../../../src/api/api-types.js";
import { ApiRequestError } from "./api-request-error.js";

type Method = "GET" | "POST" | "DELETE";

function isApiError(body: unknown): body is ApiError {
  return (
    typeof body === "object" &&
    body !== null &&
    typeof (body as ApiError).error === "string" &&
    typeof (body as ApiError).message === "string"
  );
}

/**
 * The typed client of console/src/api/api-types.ts. The session is the HttpOnly cookie (sent by
 * the browser, never read here); every write carries `x-hutong-console: 1`, which a cross-site
 * form cannot set. A 401 from anything but the sign-in itself means the session is gone:
 * `onUnauthenticated` sends the user back to sign-in.
 */
export class ConsoleApi {
  private readonly onUnauthenticated: () => void;

  constructor(onUnauthenticated: () => void) {
    this.onUnauthenticated = onUnauthenticated;
  }

  private async request<T>(method: Method, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (method !== "GET") headers["x-hutong-console"] = "1";
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers,
        credentials: "same-origin",
        cache: "no-store",
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (cause) {
      throw new ApiRequestError(0, "network", cause instanceof Error ? cause.message : String(cause));
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      if (response.status === 401 && path !== "/api/session") this.onUnauthenticated();
      const error = isApiError(parsed) ? parsed : { error: "internal", message: response.statusText || text };
      throw new ApiRequestError(response.status, error.error, error.message);
    }
    if (parsed === undefined) throw new ApiRequestError(response.status, "internal", "the response is not JSON");
    return parsed as T;
  }

  me(): Promise<Me> {
    return this.request("GET", "/api/me");
  }

  signIn(body: SignInRequest): Promise<Me> {
    return this.request("POST", "/api/session", body);
  }

  signOut(): Promise<void> {
    return this.request("DELETE", "/api/session");
  }

  federation(): Promise<FederationView> {
    return this.request("GET", "/api/federation");
  }

  /** POST, never GET: the subject's ID number must not appear in a URL. */
  searchAudit(body: AuditSearchRequest): Promise<AuditSearchResult> {
    return this.request("POST", "/api/audit/search", body);
  }

  auditProof(gateway: string, index: number): Promise<InclusionProofView> {
    const query = new URLSearchParams({ gateway, index: String(index) });
    return this.request("GET", `/api/audit/proof?${query}`);
  }

  correlation(id: string): Promise<CorrelationView> {
    return this.request("GET", `/api/audit/correlation/${encodeURIComponent(id)}`);
  }

  grants(status: string): Promise<GrantsView> {
    return this.request("GET", status === "" ? "/api/grants" : `/api/grants?${new URLSearchParams({ status })}`);
  }

  /**
   * POST, never GET: every call makes each gateway append an audit entry for the holder's
   * search, so it is a write (it carries `x-hutong-console: 1`, and no prefetch or link repeats it).
   */
  myData(): Promise<MyDataView> {
    return this.request("POST", "/api/my-data", {});
  }

  delivery(): Promise<DeliveryView> {
    return this.request("GET", "/api/delivery");
  }

  replay(body: ReplayRequest): Promise<ReplayResult> {
    return this.request("POST", "/api/delivery/replay", body);
  }

  indicators(period: string): Promise<IndicatorsView> {
    return this.request(
      "GET",
      period === "" ? "/api/indicators" : `/api/indicators?${new URLSearchParams({ period })}`,
    );
  }
}
