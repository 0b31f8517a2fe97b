/**
 * Who made a call the gateway answers itself (GrantService, AuditService), as the session and the
 * relay facts show it: what its audit entries record of the caller.
 */
export interface AuditedCall {
  /** The calling system's party (the origin of a relayed call): what the ACL decided on. */
  readonly origin: string;
  /** The immediate peer (a system, or a gateway passing a call on) and its session certificate's serial. */
  readonly peerParty: string;
  readonly peerCertSerial: string;
  readonly hops: readonly string[];
  readonly traceId: string;
  /** The request's correlation id (already checked). */
  readonly correlationId: string;
}
