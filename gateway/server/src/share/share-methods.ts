import { type RecordSchema, recordSchemas, type ShareMethodSpec, shareMethods } from "@hutong/proto";

/**
 * What an exchange method does with a record, for the share step: generated from the contract's
 * (hutong.v1.share) method options (docs/adding-a-record-service.md). "verify" answers valid /
 * matches without personal fields, "fetch" releases the record (minimized), "deliver" sends the
 * caller's own data to the owner: no grant is needed for it, but it is decided by the ACL and
 * audited like any share. The methods of a service the target party's gateway answers itself
 * (grant administration) are "deliver"s of no record kind.
 */
export interface ShareMethod extends ShareMethodSpec {
  /** The record's schema (label, id, subject, views); absent for a method of no record kind. */
  readonly record?: RecordSchema;
}

const methods: ReadonlyMap<string, ShareMethod> = new Map(
  [...shareMethods].map(([name, spec]): [string, ShareMethod] => {
    const record = recordSchemas.get(spec.recordKind);
    return [name, Object.freeze(record === undefined ? { ...spec } : { ...spec, record })];
  }),
);

/** The share semantics of an exchange method ("pkg.Service/Method", the gRPC path without its slash), or undefined. */
export function shareMethod(method: string): ShareMethod | undefined {
  return methods.get(method);
}
