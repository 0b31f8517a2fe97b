// Checks the contract's own options (proto/hutong/v1/options.proto) and derives from them the data
// of the tables the gateway reads: personal fields, services and how they are routed, the share
// semantics of every method, record schemas with their views, the purpose policy, the lifecycles,
// the data rules (field-rules.mjs), and the wire layout of the messages the share step reads.
// Every problem is reported, each naming the option, before anything is written. Pure: a function
// of the indexed image.
import {
  createProblems,
  fieldType,
  oneofMembers,
  reachableMessages,
  resolvePath,
  typeNameOf,
} from "./contract-model.mjs";
import { checkFieldRules } from "./field-rules.mjs";

const pkg = "hutong.v1";
const opt = (name) => `[${pkg}.${name}]`;
const labelPattern = /^[a-z][a-z0-9_]{0,63}$/;
const segment = "[a-z][a-z0-9_]{0,63}";
/** The grammar of grants' field paths (gateway/server/src/grants/field-paths.ts): at most 8 segments, 128 chars. */
const rootedPathPattern = new RegExp(`^${segment}(\\.${segment}){0,7}$`);
const maxRootedPathLength = 128;

const routings = {
  SERVICE_ROUTING_SHARE: "share",
  SERVICE_ROUTING_TARGET_GATEWAY: "target-gateway",
  SERVICE_ROUTING_LOCAL: "local",
};
const operations = {
  SHARE_OPERATION_VERIFY: "verify",
  SHARE_OPERATION_FETCH: "fetch",
  SHARE_OPERATION_DELIVER: "deliver",
};
const accesses = {
  ACCESS_DENIED: { access: "denied" },
  ACCESS_OPEN: { access: "open" },
  ACCESS_HOLDER_GRANT: { access: "grant", grantors: ["holder"] },
  ACCESS_AUTHORITY_GRANT: { access: "grant", grantors: ["authority"] },
  ACCESS_HOLDER_OR_AUTHORITY_GRANT: { access: "grant", grantors: ["holder", "authority"] },
};

const covers = (outer, inner) => outer === inner || inner.startsWith(`${outer}.`);

/** The smallest equivalent set of paths: duplicates and covered paths dropped, sorted. */
export function normalizePaths(paths) {
  const unique = [...new Set(paths)].sort();
  return unique.filter((p) => !unique.some((q) => q !== p && covers(q, p)));
}

/** Fields marked (hutong.v1.personal), and the messages that reach one through message fields. */
export function personalReach(model) {
  const direct = new Map();
  for (const [name, m] of model.messages) {
    const fields = (m.field ?? []).filter((f) => f.options?.[opt("personal")]);
    if (fields.length > 0) direct.set(name, fields);
  }
  const reaches = new Set(direct.keys());
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, m] of model.messages) {
      if (reaches.has(name)) continue;
      if ((m.field ?? []).some((f) => f.type === "TYPE_MESSAGE" && reaches.has(typeNameOf(f)))) {
        reaches.add(name);
        changed = true;
      }
    }
  }
  return { direct, reaches };
}

/** Every personal leaf below `message`, as paths from it, with its kind. */
function personalLeaves(model, reach, message, prefix = "", seen = new Set()) {
  if (seen.has(message) || !reach.reaches.has(message)) return [];
  const inner = new Set(seen).add(message);
  return (model.messages.get(message).field ?? []).flatMap((f) => {
    const path = prefix === "" ? f.name : `${prefix}.${f.name}`;
    const kind = f.options?.[opt("personal")];
    const own = kind ? [{ path, kind }] : [];
    const below = f.type === "TYPE_MESSAGE" ? personalLeaves(model, reach, typeNameOf(f), path, inner) : [];
    return [...own, ...below];
  });
}

function checkSubject(model, problems, root, subject, what) {
  if (subject === undefined) return undefined;
  const out = {};
  const idNo = resolvePath(model, root, subject.idNo);
  if (typeof idNo === "string") problems.add(`${what}.id_no: ${idNo}`);
  else if (problems.check(idNo.field.type === "TYPE_STRING", `${what}.id_no: "${subject.idNo}" is not a string field`))
    out.idNo = idNo.steps;
  const hasType = subject.idType !== undefined && subject.idType !== "";
  const hasFixed = subject.fixedIdType !== undefined && subject.fixedIdType !== "";
  problems.check(!(hasType && hasFixed), `${what}: id_type and fixed_id_type exclude each other`);
  if (hasType) {
    const idType = resolvePath(model, root, subject.idType);
    if (typeof idType === "string") problems.add(`${what}.id_type: ${idType}`);
    else if (
      problems.check(
        idType.field.type === "TYPE_ENUM" && typeNameOf(idType.field) === `${pkg}.IdType`,
        `${what}.id_type: "${subject.idType}" is not a ${pkg}.IdType field`,
      )
    )
      out.idType = idType.steps;
  }
  if (hasFixed) {
    const value = (model.enums.get(`${pkg}.IdType`)?.value ?? []).find((v) => v.name === subject.fixedIdType);
    if (
      problems.check(
        value !== undefined && value.number !== 0,
        `${what}.fixed_id_type: "${subject.fixedIdType}" is not a value of ${pkg}.IdType (other than its zero value)`,
      )
    )
      out.fixedIdType = { name: value.name, number: value.number };
  }
  return out.idNo === undefined ? undefined : out;
}

/**
 * Whether two subject paths can never both be present: they part at two members of one oneof
 * (the first step where they differ), so a record carries at most one of them.
 */
function exclusive(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x.number === y.number) continue;
    return x.oneof?.includes(y.number) === true;
  }
  return false;
}

/** A record's subjects: each checked, every two of them exclusive. */
function checkSubjects(model, problems, root, subjects, what) {
  const out = [];
  for (const [i, s] of (subjects ?? []).entries()) {
    const checked = checkSubject(model, problems, root, s, `${what} subject[${i}]`);
    if (checked !== undefined) out.push({ ...checked, path: s.idNo });
  }
  for (const [i, a] of out.entries()) {
    for (const b of out.slice(i + 1)) {
      problems.check(
        exclusive(a.idNo, b.idNo),
        `${what}: subjects "${a.path}" and "${b.path}" can both be present; several subjects must sit in different members of one oneof`,
      );
    }
  }
  return out.map(({ path: _, ...s }) => s);
}

function stringPath(model, problems, root, path, what) {
  const r = resolvePath(model, root, path);
  if (typeof r === "string") {
    problems.add(`${what}: ${r}`);
    return undefined;
  }
  return problems.check(r.field.type === "TYPE_STRING", `${what}: "${path}" is not a string field`)
    ? r.steps
    : undefined;
}

function checkRecords(model, problems) {
  const kindEnum = model.enums.get(`${pkg}.RecordKind`);
  const records = [];
  const named = new Set();
  for (const value of kindEnum?.value ?? []) {
    if (value.number === 0) continue;
    const where = `${pkg}.RecordKind.${value.name}`;
    const messageName = value.options?.[opt("record_message")];
    if (!problems.check(typeof messageName === "string", `${where} names no record message ((${pkg}.record_message))`))
      continue;
    const message = model.messages.get(messageName);
    if (!problems.check(message !== undefined, `${where}: record message ${messageName} does not exist`)) continue;
    named.add(messageName);
    const decl = message.options?.[opt("record")];
    if (!problems.check(decl !== undefined, `${messageName} is named by ${where} but declares no (${pkg}.record)`))
      continue;
    const what = `${messageName} (${pkg}.record)`;
    const label = decl.label ?? "";
    problems.check(labelPattern.test(label), `${what}: label ${JSON.stringify(label)} is not [a-z][a-z0-9_]*`);
    problems.check(
      !records.some((r) => r.label === label),
      `${what}: label "${label}" is also the label of another record`,
    );
    const id = stringPath(model, problems, messageName, decl.id, `${what} id`);
    const subjects = checkSubjects(model, problems, messageName, decl.subject, what);
    const views = checkViews(model, problems, messageName, label, decl.views ?? [], what);
    records.push({ kind: value, message: messageName, label, id, subjects, views });
  }
  for (const [name, m] of model.messages) {
    if (m.options?.[opt("record")] !== undefined && !named.has(name)) {
      problems.add(
        `${name} declares (${pkg}.record) but no ${pkg}.RecordKind value names it ((${pkg}.record_message))`,
      );
    }
  }
  return records;
}

function checkViews(model, problems, message, label, views, what) {
  const byName = new Map();
  for (const v of views) {
    const name = v.name ?? "";
    if (!problems.check(labelPattern.test(name), `${what}: view name ${JSON.stringify(name)} is not [a-z][a-z0-9_]*`))
      continue;
    if (!problems.check(!byName.has(name), `${what}: view "${name}" is declared twice`)) continue;
    byName.set(name, v);
  }
  const expanded = new Map();
  const expanding = new Set();
  const expand = (name) => {
    if (expanded.has(name)) return expanded.get(name);
    const v = byName.get(name);
    if (expanding.has(name)) {
      problems.add(`${what}: view "${name}" includes itself`);
      return [];
    }
    expanding.add(name);
    const where = `${what} view "${name}"`;
    const fields = v.fields ?? [];
    const include = v.include ?? [];
    let paths = [];
    if (v.whole) {
      problems.check(fields.length === 0 && include.length === 0, `${where}: a whole view lists no fields or includes`);
      paths = [label];
    } else {
      problems.check(
        fields.length + include.length > 0,
        `${where}: releases nothing (no fields, no include, not whole)`,
      );
      for (const f of fields) {
        const r = resolvePath(model, message, f, { allowRepeated: true });
        if (typeof r === "string") problems.add(`${where}: ${r}`);
        const rooted = `${label}.${f}`;
        if (
          !problems.check(
            rootedPathPattern.test(rooted) && rooted.length <= maxRootedPathLength,
            `${where}: "${rooted}" is not a well-formed field path (at most 8 lower-case segments, 128 characters)`,
          )
        )
          continue;
        paths.push(rooted);
      }
      for (const i of include) {
        if (!problems.check(byName.has(i), `${where}: includes "${i}", which is not a view of ${message}`)) continue;
        paths.push(...expand(i));
      }
    }
    expanding.delete(name);
    const out = normalizePaths(paths);
    expanded.set(name, out);
    return out;
  };
  for (const name of byName.keys()) expand(name);
  return expanded;
}

function checkServices(model, problems, records, reach) {
  const services = [];
  const shareMethods = [];
  const byLabel = new Map(records.map((r) => [r.label, r]));
  for (const s of model.services) {
    if (!s.file.startsWith(`${pkg.replace(".", "/")}/`)) continue;
    const routingName = s.options?.[opt("routing")];
    const routing = routings[routingName];
    if (!problems.check(routing !== undefined, `${s.fullName} declares no (${pkg}.routing)`)) continue;
    const methods = [];
    for (const m of s.method ?? []) {
      const method = {
        name: m.name,
        path: `/${s.fullName}/${m.name}`,
        requestType: typeNameOf({ typeName: m.inputType }),
        responseType: typeNameOf({ typeName: m.outputType }),
        clientStreaming: m.clientStreaming === true,
        serverStreaming: m.serverStreaming === true,
      };
      methods.push(method);
      const where = `${s.fullName}.${m.name}`;
      const rule = m.options?.[opt("share")];
      if (routing === "local") {
        problems.check(rule === undefined, `${where}: (${pkg}.share) on a method of a SERVICE_ROUTING_LOCAL service`);
        continue;
      }
      problems.check(
        !method.clientStreaming && !method.serverStreaming,
        `${where}: a routed method must be unary (the gateway forwards one request and one response)`,
      );
      const context = (model.messages.get(method.requestType)?.field ?? []).find((f) => f.number === 1);
      problems.check(
        context?.name === "context" &&
          typeNameOf(context) === `${pkg}.RequestContext` &&
          context.label !== "LABEL_REPEATED",
        `${where}: the request must carry its RequestContext as field 1 "context" (the gateway routes on it unread otherwise)`,
      );
      if (routing === "target-gateway") {
        problems.check(
          rule === undefined,
          `${where}: (${pkg}.share) on a method of a SERVICE_ROUTING_TARGET_GATEWAY service`,
        );
        shareMethods.push({
          method: `${s.fullName}/${m.name}`,
          kind: undefined,
          operation: "deliver",
          ...types(method),
        });
        continue;
      }
      if (
        !problems.check(
          rule !== undefined,
          `${where}: a method of a SERVICE_ROUTING_SHARE service declares no (${pkg}.share)`,
        )
      )
        continue;
      const spec = checkShareRule(model, problems, reach, byLabel, method, rule, where);
      if (spec !== undefined) shareMethods.push({ method: `${s.fullName}/${m.name}`, ...spec, ...types(method) });
    }
    services.push({ name: s.fullName, file: s.file, routing, methods });
  }
  return { services, shareMethods };
}

const types = (m) => ({ requestType: m.requestType, responseType: m.responseType });

function checkShareRule(model, problems, reach, byLabel, method, rule, where) {
  const what = `${where} (${pkg}.share)`;
  const record = byLabel.get(rule.record ?? "");
  problems.check(record !== undefined, `${what}: record "${rule.record ?? ""}" is not the label of any record`);
  const operation = operations[rule.operation];
  problems.check(operation !== undefined, `${what}: operation is not set`);
  const spec = { kind: record?.kind, operation };
  if (rule.requestRecordId) {
    spec.requestRecordId = stringPath(
      model,
      problems,
      method.requestType,
      rule.requestRecordId,
      `${what} request_record_id`,
    );
  }
  const response = method.responseType;
  if (operation === "fetch") {
    problems.check(
      !rule.claimedHolder && !rule.holderConfirmedBy,
      `${what}: claimed_holder and holder_confirmed_by are for a verify`,
    );
    const r = resolvePath(model, response, rule.responseRecord ?? "");
    if (typeof r === "string") problems.add(`${what} response_record: ${r}`);
    else if (
      problems.check(r.steps.length === 1, `${what} response_record: must be a field of ${response} itself`) &&
      problems.check(
        record === undefined || r.message === record.message,
        `${what} response_record: "${rule.responseRecord}" is not a ${record?.message}`,
      )
    ) {
      spec.responseRecord = r.steps[0];
      // Minimization reduces only the record field; anything else in the answer passes unchanged.
      for (const f of model.messages.get(response).field ?? []) {
        if (f.name === rule.responseRecord) continue;
        const leaks = f.options?.[opt("personal")] || (f.type === "TYPE_MESSAGE" && reach.reaches.has(typeNameOf(f)));
        problems.check(
          !leaks,
          `${what}: ${response}.${f.name} holds personal data outside the record, which minimization would not reduce`,
        );
      }
    }
    Object.assign(spec, checkAnnotation(model, problems, method, rule, what));
  } else {
    problems.check(!rule.responseRecord, `${what}: response_record is for a fetch`);
    problems.check(
      !rule.annotateRequest && !rule.responseAnnotation,
      `${what}: annotate_request and response_annotation are for a fetch`,
    );
  }
  if (operation === "verify") {
    problems.check(
      !reach.reaches.has(response),
      `${what}: the response ${response} holds personal data; a verify may release none ("verify, don't fetch")`,
    );
    problems.check(
      Boolean(rule.claimedHolder) === Boolean(rule.holderConfirmedBy),
      `${what}: claimed_holder and holder_confirmed_by go together (a claim is believed only when confirmed)`,
    );
    if (rule.claimedHolder) {
      spec.claimedHolder = checkSubject(
        model,
        problems,
        method.requestType,
        rule.claimedHolder,
        `${what} claimed_holder`,
      );
    }
    if (rule.holderConfirmedBy) {
      const r = resolvePath(model, response, rule.holderConfirmedBy);
      if (typeof r === "string") problems.add(`${what} holder_confirmed_by: ${r}`);
      else if (
        problems.check(
          r.field.type === "TYPE_BOOL",
          `${what} holder_confirmed_by: "${rule.holderConfirmedBy}" is not a bool field`,
        )
      )
        spec.holderConfirmedBy = r.steps;
    }
  }
  if (operation === "deliver") {
    problems.check(
      !rule.claimedHolder && !rule.holderConfirmedBy,
      `${what}: claimed_holder and holder_confirmed_by are for a verify`,
    );
  }
  return spec;
}

/**
 * A fetch's annotated copies (docs/annotated-copies.md): the request bool that asks for one and the
 * response field, a hutong.v1.Annotation of the response itself, where the owner's gateway puts it.
 * Both or neither; the field is never the record (its digest is what the annotation signs), never
 * repeated and never in a oneof (the gateway strips and appends it without touching anything else).
 */
function checkAnnotation(model, problems, method, rule, what) {
  const out = {};
  if (!rule.annotateRequest && !rule.responseAnnotation) return out;
  if (
    !problems.check(
      Boolean(rule.annotateRequest) === Boolean(rule.responseAnnotation),
      `${what}: annotate_request and response_annotation go together (one asks for the annotation, the other holds it)`,
    )
  )
    return out;
  const asked = resolvePath(model, method.requestType, rule.annotateRequest);
  if (typeof asked === "string") problems.add(`${what} annotate_request: ${asked}`);
  else if (
    problems.check(
      asked.field.type === "TYPE_BOOL",
      `${what} annotate_request: "${rule.annotateRequest}" is not a bool field`,
    )
  )
    out.annotateRequest = asked.steps;
  const response = method.responseType;
  const held = resolvePath(model, response, rule.responseAnnotation);
  if (typeof held === "string") {
    problems.add(`${what} response_annotation: ${held}`);
    return out;
  }
  const ok = [
    problems.check(held.steps.length === 1, `${what} response_annotation: must be a field of ${response} itself`),
    problems.check(
      held.message === `${pkg}.Annotation`,
      `${what} response_annotation: "${rule.responseAnnotation}" is not a ${pkg}.Annotation`,
    ),
    problems.check(
      rule.responseAnnotation !== rule.responseRecord,
      `${what} response_annotation: "${rule.responseAnnotation}" is the record field`,
    ),
    problems.check(
      held.steps.length !== 1 || held.steps[0].oneof === undefined,
      `${what} response_annotation: "${rule.responseAnnotation}" is a member of a oneof`,
    ),
  ].every(Boolean);
  if (ok) out.responseAnnotation = held.steps[0];
  return out;
}

function checkPolicy(model, problems, records, reach) {
  const purposeEnum = model.enums.get(`${pkg}.Purpose`);
  const byLabel = new Map(records.map((r) => [r.label, r]));
  const rows = [];
  for (const value of purposeEnum?.value ?? []) {
    if (value.number === 0) continue;
    const where = `${pkg}.Purpose.${value.name} (${pkg}.policy)`;
    const row = value.options?.[opt("policy")];
    if (!problems.check(row !== undefined, `${pkg}.Purpose.${value.name} has no policy row ((${pkg}.policy))`))
      continue;
    problems.check(
      typeof row.legalBasis === "string" && row.legalBasis.trim() !== "",
      `${where}: legal_basis is empty`,
    );
    const grantors = new Set();
    const out = [];
    for (const access of row.records ?? []) {
      const record = byLabel.get(access.record ?? "");
      const at = `${where} record "${access.record ?? ""}"`;
      if (!problems.check(record !== undefined, `${at}: not the label of any record`)) continue;
      if (!problems.check(!out.some((o) => o.record === record), `${at}: listed twice`)) continue;
      const verify = accesses[access.verify];
      const fetch = accesses[access.fetch];
      problems.check(verify !== undefined, `${at}: verify access is not set`);
      problems.check(fetch !== undefined, `${at}: fetch access is not set`);
      for (const rule of [verify, fetch]) for (const g of rule?.grantors ?? []) grantors.add(g);
      const view = access.fetchView ?? "";
      let fields = [];
      if (fetch?.access === "denied") {
        problems.check(view === "", `${at}: fetch_view "${view}" for a denied fetch`);
      } else if (fetch !== undefined) {
        if (problems.check(view !== "", `${at}: a fetch that is not denied needs a fetch_view`)) {
          fields = record.views.get(view);
          if (!problems.check(fields !== undefined, `${at}: fetch_view "${view}" is not a view of ${record.message}`))
            fields = [];
        }
        const personal = personalLeaves(model, reach, record.message).map((p) => ({
          ...p,
          path: `${record.label}.${p.path}`,
        }));
        for (const p of personal) {
          const touches = fields.some((f) => covers(f, p.path) || covers(p.path, f));
          if (fetch.access === "open") {
            problems.check(!touches, `${at}: an open fetch (no grant) would release personal ${p.path}`);
          }
          if (p.kind === "PERSONAL_KIND_PHOTO") {
            problems.check(
              !fields.some((f) => covers(f, p.path)),
              `${at}: a fetch would release the photo ${p.path} (biometric, never routed)`,
            );
          }
        }
      }
      out.push({ record, verify, fetch, view, fields });
    }
    const authorityGrantors = row.authorityGrantors ?? [];
    problems.check(
      grantors.has("authority") === authorityGrantors.length > 0,
      `${where}: authority_grantors must be listed exactly when some rule takes authority grants`,
    );
    // The pattern grammar is the gateway's (routing/party-pattern.ts); it compiles them when it loads the policy.
    for (const p of authorityGrantors)
      problems.check(/^\S+$/.test(p), `${where}: authority grantor ${JSON.stringify(p)} is not a party pattern`);
    const caps = (c, kind) => {
      if (c === undefined) return undefined;
      problems.check(grantors.has(kind), `${where}: ${kind}_caps, but no rule takes ${kind} grants`);
      const maxValidityDays = c.maxValidityDays ?? 0;
      problems.check(maxValidityDays >= 1, `${where}: ${kind}_caps.max_validity_days must be at least 1`);
      return { maxValidityDays, maxUses: c.maxUses ?? 0 };
    };
    rows.push({
      purpose: value,
      legalBasis: row.legalBasis ?? "",
      records: out,
      authorityGrantors,
      holderCaps: caps(row.holderCaps, "holder"),
      authorityCaps: caps(row.authorityCaps, "authority"),
    });
  }
  return rows;
}

/** The wire layout of every message the share step reads or reduces. */
function wireLayouts(model, shareMethods, records) {
  const roots = [
    ...shareMethods.filter((m) => m.kind !== undefined).flatMap((m) => [m.requestType, m.responseType]),
    ...records.map((r) => r.message),
  ];
  return reachableMessages(model, roots).map((name) => {
    const m = model.messages.get(name);
    const fields = (m.field ?? [])
      .map((f) => {
        const out = { name: f.name, number: f.number, type: fieldType(f), repeated: f.label === "LABEL_REPEATED" };
        if (f.type === "TYPE_MESSAGE" || f.type === "TYPE_GROUP") out.message = typeNameOf(f);
        const members = oneofMembers(m, f);
        if (members !== undefined) out.oneof = members;
        return out;
      })
      .sort((a, b) => a.number - b.number);
    return { name, fields };
  });
}

/**
 * The lifecycles ((hutong.v1.transition) on enums of event kinds): per enum, per kind, its record,
 * whether it creates it, and per state axis the values it needs and the value it leaves. Axes are
 * enum fields of the record message; values are names of that enum's nonzero values. An enum with
 * one transition needs one on every nonzero value; a kind that creates its record sets every axis
 * it names and needs nothing; one that does not creates must require some state.
 */
function checkLifecycles(model, problems, records) {
  const byLabel = new Map(records.map((r) => [r.label, r]));
  const lifecycles = [];
  for (const [enumName, e] of [...model.enums].sort(([a], [b]) => a.localeCompare(b))) {
    const values = (e.value ?? []).filter((v) => v.number !== 0);
    if (!values.some((v) => v.options?.[opt("transition")] !== undefined)) continue;
    const kinds = [];
    let record;
    for (const value of values) {
      const where = `${enumName}.${value.name} (${pkg}.transition)`;
      const t = value.options?.[opt("transition")];
      if (
        !problems.check(
          t !== undefined,
          `${enumName}.${value.name} has no transition, as every kind of ${enumName} must`,
        )
      )
        continue;
      const r = byLabel.get(t.record ?? "");
      if (!problems.check(r !== undefined, `${where}: record "${t.record ?? ""}" is not the label of any record`))
        continue;
      if (
        !problems.check(
          record === undefined || record === r,
          `${where}: every kind of ${enumName} must be about one record`,
        )
      )
        continue;
      record = r;
      const creates = t.creates === true;
      const changes = [];
      for (const c of t.changes ?? []) {
        const at = `${where} axis "${c.axis ?? ""}"`;
        const field = (model.messages.get(r.message).field ?? []).find((f) => f.name === c.axis);
        if (!problems.check(field?.type === "TYPE_ENUM", `${at}: not an enum field of ${r.message}`)) continue;
        if (!problems.check(!changes.some((x) => x.axis === c.axis), `${at}: named twice`)) continue;
        const axisEnum = model.enums.get(typeNameOf(field));
        const numberOf = new Map((axisEnum?.value ?? []).filter((v) => v.number !== 0).map((v) => [v.name, v.number]));
        const from = [];
        for (const name of c.from ?? []) {
          if (problems.check(numberOf.has(name), `${at}: "${name}" is not a nonzero value of ${typeNameOf(field)}`))
            from.push({ name, number: numberOf.get(name) });
        }
        const toName = c.to ?? "";
        const to = toName === "" ? undefined : { name: toName, number: numberOf.get(toName) };
        if (to !== undefined)
          problems.check(numberOf.has(toName), `${at}: "${toName}" is not a nonzero value of ${typeNameOf(field)}`);
        if (creates) {
          problems.check(from.length === 0, `${at}: a kind that creates its record can require no prior state`);
          problems.check(to !== undefined, `${at}: a kind that creates its record must set every axis it names`);
        }
        problems.check(from.length > 0 || to !== undefined, `${at}: neither requires nor changes anything`);
        const values = [...numberOf].map(([name, number]) => ({ name, number }));
        changes.push({ axis: c.axis, axisEnum: typeNameOf(field), values, from, to });
      }
      problems.check(creates || changes.some((c) => c.from.length > 0), `${where}: requires no state of its record`);
      kinds.push({ name: value.name, number: value.number, creates, changes });
    }
    if (record !== undefined) lifecycles.push({ enumName, record: record.label, kinds });
  }
  return lifecycles;
}

/** Everything the tables hold, or a ContractError listing every problem. */
export function buildContractTables(model) {
  const problems = createProblems();
  const reach = personalReach(model);
  const records = checkRecords(model, problems);
  const { services, shareMethods } = checkServices(model, problems, records, reach);
  const policy = checkPolicy(model, problems, records, reach);
  const lifecycles = checkLifecycles(model, problems, records);
  const fieldRules = checkFieldRules(model, problems);
  problems.throwIfAny();
  return {
    reach,
    records,
    services,
    shareMethods,
    policy,
    lifecycles,
    fieldRules,
    layouts: wireLayouts(model, shareMethods, records),
  };
}
