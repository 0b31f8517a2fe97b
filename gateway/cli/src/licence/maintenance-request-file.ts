import { readFile } from "node:fs/promises";
import { basename, dirname, extname, resolve } from "node:path";
import { attachmentSm3 } from "@hutong/licensing";
import type { AttachmentDigest, MaintenanceRequest } from "@hutong/proto";
import { z } from "zod";
import { issueLines } from "../report/annual-data.js";
import { UsageError } from "../support/usage-error.js";
import { provinceCode, requestIdPattern } from "./maintenance-session.js";

/**
 * A data-maintenance request as a file (docs/licences.md §6), what `hutong licence maintenance
 * file --request` reads. The command computes each attachment's SM3, size and media type from
 * the document itself (the document travels outside hutong), signs the encoded request and files it:
 *
 *   {
 *     "requestId": "WH-2026-0001",         the province's own id: 1-64 letters, digits or -
 *     "province": "510000",                GB/T 2260 code of the filing province
 *     "applicantUnit": "四川省道路运输事务中心", 申请单位
 *     "operatorId": "SC-0042",             the operator's staff number (not a name)
 *     "corrections": [                     1 to 1000 items
 *       { "licenceId": "...", "field": "operating_permit.address", "value": "..." }
 *     ],
 *     "reason": "地址录入错误",              申请理由, not blank
 *     "attachments": [                     optional; paths relative to this file
 *       "营业执照.pdf",
 *       { "path": "scan-0001.bin", "name": "变更通知.pdf", "mediaType": "application/pdf" }
 *     ],
 *     "filedAt": "2026-03-02T08:00:00+08:00" optional, ISO 8601 with offset; default now
 *   }
 *
 * `field` is the licence field's proto name, dotted; `value` the corrected value as text (a
 * number in decimal). Values may be a holder's data: no message of this command quotes them.
 */

/** Media types by file extension; anything else is application/octet-stream unless the file says. */
const mediaTypes: Readonly<Record<string, string>> = {
  ".pdf": "application/pdf",
  ".ofd": "application/ofd",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".png": "image/png",
  ".tif": "image/tiff",
  ".tiff": "image/tiff",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".txt": "text/plain",
  ".csv": "text/csv",
  ".json": "application/json",
  ".xml": "application/xml",
  ".zip": "application/zip",
  ".doc": "application/msword",
  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  ".xls": "application/vnd.ms-excel",
  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
};

export const mediaTypeOf = (name: string): string =>
  mediaTypes[extname(name).toLowerCase()] ?? "application/octet-stream";

const str = () => z.string({ error: (issue) => (issue.input === undefined ? "is missing" : "expected a string") });
const text = () => str().trim().min(1, "is empty");
const mediaType = z
  .string()
  .regex(/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i, "not a media type (e.g. application/pdf)");

function requestSchema(baseDir: string) {
  /** An attachment's path, read: its digest, size and media type. A file that cannot be read is a problem. */
  const attachment = z
    .union(
      [
        text().transform((path) => ({ path, name: undefined, mediaType: undefined })),
        z.strictObject({
          path: text(),
          name: text().optional(),
          mediaType: mediaType.optional(),
        }),
      ],
      { error: 'an attachment is a file path, or {"path", "name"?, "mediaType"?}' },
    )
    .transform(async (a, ctx): Promise<AttachmentDigest> => {
      const file = resolve(baseDir, a.path);
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch (e) {
        ctx.issues.push({
          code: "custom",
          input: a.path,
          message: `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? "error"})`,
        });
        return z.NEVER;
      }
      const name = a.name ?? basename(file);
      return {
        name,
        mediaType: a.mediaType ?? mediaTypeOf(name),
        size: BigInt(bytes.length),
        sm3: attachmentSm3(bytes),
      };
    });
  return z.strictObject({
    requestId: str().regex(requestIdPattern, "must be 1 to 64 letters, digits or -"),
    province: str().regex(provinceCode, "not a GB/T 2260 province code (six digits, e.g. 510000)"),
    applicantUnit: text(),
    operatorId: text(),
    corrections: z
      .array(
        z.strictObject({
          licenceId: text(),
          field: str().regex(
            /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/,
            "not a dotted proto field name (operating_permit.address)",
          ),
          // Never echoed: a problem with it names its place, not its text.
          correctedValue: z.string({
            error: (issue) => (issue.input === undefined ? "is missing" : "expected the corrected value as a string"),
          }),
        }),
      )
      .min(1, "a request corrects at least one item")
      .max(1000, "a request corrects at most 1000 items"),
    reason: text(),
    attachments: z.array(attachment).default([]),
    filedAt: z.iso.datetime({ offset: true, error: "not an ISO 8601 time with its offset" }).optional(),
  });
}

/**
 * The request in `file`, its attachments read and digested; every problem at once as a usage
 * error (exit 2), without quoting the file's contents (a JSON syntax error gives its position only).
 */
export async function readMaintenanceRequest(file: string, now: Date): Promise<MaintenanceRequest> {
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (e) {
    throw new UsageError(`--request ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? "error"})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch (e) {
    // V8 quotes the text around a syntax error: only where it is, never what.
    const at = /position (\d+)/.exec((e as Error).message)?.[1];
    throw new UsageError(`--request ${file}: not JSON${at === undefined ? "" : ` (a syntax error at offset ${at})`}`);
  }
  const r = await requestSchema(dirname(resolve(file))).safeParseAsync(json);
  if (!r.success) {
    throw new UsageError(`--request ${file}: not a maintenance request:\n${issueLines(r.error).join("\n")}`);
  }
  const d = r.data;
  return {
    requestId: d.requestId,
    province: d.province,
    applicantUnit: d.applicantUnit,
    operatorId: d.operatorId,
    corrections: d.corrections,
    reason: d.reason,
    attachments: d.attachments,
    filedAt: d.filedAt === undefined ? now : new Date(d.filedAt),
  };
}
