/** gRPC status codes (https://github.com/grpc/grpc/blob/master/doc/statuscodes.md). */
export const Status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export type StatusCode = (typeof Status)[keyof typeof Status];

const names: readonly string[] = Object.keys(Status);

/** "UNAVAILABLE" for 14; a code outside the table (a peer's bug) reads as "CODE_<n>". */
export function statusName(code: number): string {
  return names[code] ?? `CODE_${code}`;
}

export function isStatusCode(code: number): code is StatusCode {
  return Number.isInteger(code) && code >= 0 && code < names.length;
}

/**
 * The code a client reports for a response without grpc-status, from its HTTP status
 * (https://github.com/grpc/grpc/blob/master/doc/http-grpc-status-mapping.md).
 */
export function statusFromHttp(httpStatus: number): StatusCode {
  switch (httpStatus) {
    case 400:
      return Status.INTERNAL;
    case 401:
      return Status.UNAUTHENTICATED;
    case 403:
      return Status.PERMISSION_DENIED;
    case 404:
      return Status.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return Status.UNAVAILABLE;
    default:
      return Status.UNKNOWN;
  }
}

/** The code for a stream reset by the peer with an HTTP/2 error code and no grpc-status (PROTOCOL-HTTP2.md). */
export function statusFromRstCode(rstCode: number): StatusCode {
  switch (rstCode) {
    case 0x7: // REFUSED_STREAM: the request was not processed, safe to retry
      return Status.UNAVAILABLE;
    case 0x8: // CANCEL
      return Status.CANCELLED;
    case 0xb: // ENHANCE_YOUR_CALM
      return Status.RESOURCE_EXHAUSTED;
    case 0xc: // INADEQUATE_SECURITY
      return Status.PERMISSION_DENIED;
    default:
      return Status.INTERNAL;
  }
}
