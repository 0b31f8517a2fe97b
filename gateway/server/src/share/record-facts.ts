import { type FieldPath, type FieldStep, IdType, type SubjectPaths } from "@hutong/proto";
import { readBool, readInt32, readString } from "./field-reader.js";
import type { ShareMethod } from "./share-methods.js";

/** Who a record is about, as read from the request or the record: never logged, only digested. */
export interface RecordSubject {
  readonly idType: IdType;
  readonly idNo: string;
}

/** What the share step learns about the record from the request (pre-check) and the answer (final). */
export interface RecordFacts {
  /** The canonical record id (what a grant's record_ids name). Null when the call does not name it. */
  readonly recordId: string | null;
  readonly subject: RecordSubject | null;
}

const unknown: RecordFacts = Object.freeze({ recordId: null, subject: null });
const nonEmpty = (s: string | undefined): string | null => (s === undefined || s === "" ? null : s);

function subjectAt(bytes: Uint8Array, paths: SubjectPaths, prefix: readonly FieldStep[] = []): RecordSubject | null {
  const idNo = readString(bytes, [...prefix, ...paths.idNo]);
  if (idNo === undefined || idNo === "") return null;
  if (paths.fixedIdType !== undefined) return { idType: paths.fixedIdType as IdType, idNo };
  const idType = paths.idType === undefined ? undefined : readInt32(bytes, [...prefix, ...paths.idType]);
  // A number without a type is taken as the resident ID card's, by far the most common; a wrong
  // guess can only make the digest miss (wrong-subject), never match someone else.
  return {
    idType: idType === undefined || idType === IdType.ID_TYPE_UNSPECIFIED ? IdType.ID_TYPE_RESIDENT_ID_CARD : idType,
    idNo,
  };
}

/**
 * The one subject present among a record's possible subjects (a licence: the practitioner, the
 * permit's holder or the certificate's owner). Generation makes them exclusive (they part at a
 * oneof, and the reader honours the oneof's last case), so two present cannot come from a
 * conforming record: the subject is then unknown rather than guessed, and a grant cannot match.
 */
function oneSubject(
  bytes: Uint8Array,
  subjects: readonly SubjectPaths[],
  prefix: readonly FieldStep[] = [],
): RecordSubject | null {
  let found: RecordSubject | null = null;
  for (const paths of subjects) {
    const subject = subjectAt(bytes, paths, prefix);
    if (subject === null) continue;
    if (found !== null) return null;
    found = subject;
  }
  return found;
}

const idIn = (bytes: Uint8Array, path: FieldPath | undefined): string | null =>
  path === undefined ? null : nonEmpty(readString(bytes, path));

/** Facts in the request alone (the pre-check runs on these): the record id where the method says it sits. */
export function requestFacts(method: ShareMethod, request: Uint8Array): RecordFacts {
  if (method.requestRecordId === undefined) return unknown;
  return { recordId: idIn(request, method.requestRecordId), subject: null };
}

/**
 * Facts once the owner's backend has answered. A fetch reads them from the released record itself
 * (its id and subject as the record message declares them). A verify answer carries no personal
 * field, so its subject is the holder the caller claimed in the request, and only when the owner's
 * system confirmed that it matches the record (the method's holder_confirmed_by): that is the
 * "subject read locally at the owner's gateway" docs/grants.md asks for.
 */
export function answerFacts(method: ShareMethod, request: Uint8Array, response: Uint8Array): RecordFacts {
  if (method.operation === "fetch") {
    const at = method.responseRecord;
    const record = method.record;
    if (at === undefined || record === undefined) return unknown;
    return {
      recordId: idIn(response, [at, ...record.id]),
      subject: oneSubject(response, record.subjects, [at]),
    };
  }
  if (method.operation === "verify") {
    const claimed = method.claimedHolder;
    const confirmedBy = method.holderConfirmedBy;
    const confirmed = confirmedBy !== undefined && readBool(response, confirmedBy) === true;
    return {
      recordId: idIn(request, method.requestRecordId),
      subject: claimed !== undefined && confirmed ? subjectAt(request, claimed) : null,
    };
  }
  return unknown;
}
