import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { findAttribute, LEVEL_TAGS, type Attribute, type Level } from "./attributes";
import type { DicomJson, DicomJsonElement } from "./dicom-json";
import { DicomwebError } from "./errors";

export type QidoScope = { labId: string; datasetId: string; studyUid?: string; seriesUid?: string };
export type QidoQuery = { level: Level; filters: SQL[]; include: "all" | Set<string>; limit: number; offset: number; describe: Record<string, string> };

export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 10_000;
const CONTROL_KEYS = new Set(["limit", "offset", "includefield", "fuzzymatching", "emptyvaluematching", "multiplevaluematching"]);
// Attributes the index keeps in their own (indexed) columns.
const COLUMNS: Record<string, SQL> = {
  "0020000D": sql.raw("study_uid"),
  "0020000E": sql.raw("series_uid"),
  "00080018": sql.raw("sop_uid"),
  "00100020": sql.raw("patient_id"),
  "00080020": sql.raw("study_date"),
  "00080060": sql.raw("modality"),
};
const RANGE_VRS = new Set(["DA", "TM", "DT"]);
const UNMATCHABLE_VRS = new Set(["SQ", "OB", "OW", "OF", "OD", "OL", "OV", "UN"]);

/** QIDO-RS query parameters (PS3.18 8.3.4) → filters on the index, or a DicomwebError (400). */
export async function parseQidoQuery(level: Level, params: URLSearchParams): Promise<QidoQuery> {
  const filters: SQL[] = [];
  const include = new Set<string>();
  let all = false;
  const describe: Record<string, string> = {};
  for (const value of params.getAll("includefield")) {
    for (const key of value.split(",").map((s) => s.trim()).filter(Boolean)) {
      if (key === "all") {
        all = true;
        continue;
      }
      const attr = await findAttribute(key);
      if (!attr) throw new DicomwebError(400, `includefield: ${key} is not a DICOM attribute keyword or tag`);
      include.add(attr.tag);
    }
  }
  for (const [key, value] of params) {
    if (CONTROL_KEYS.has(key)) continue;
    describe[key] = value.slice(0, 200);
    if (key.includes(".")) throw new DicomwebError(400, `${key}: matching on sequence attributes is not supported`);
    const attr = await findAttribute(key);
    if (!attr) throw new DicomwebError(400, `${key} is not a DICOM attribute keyword or tag (nor limit, offset, includefield or fuzzymatching)`);
    if (UNMATCHABLE_VRS.has(attr.vr)) throw new DicomwebError(400, `${key}: attributes of VR ${attr.vr} cannot be matched`);
    // Returned whether or not the client listed it: PS3.18 asks for every matching key in the answer.
    include.add(attr.tag);
    const filter = matchFilter(attr, value);
    if (filter) filters.push(filter);
  }
  return { level, filters, include: all ? "all" : include, limit: integerParam(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT), offset: integerParam(params, "offset", 0, 0, Number.MAX_SAFE_INTEGER), describe };
}

function integerParam(params: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = params.get(name);
  if (raw === null || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new DicomwebError(400, `${name} must be a whole number from ${min} to ${max}`);
  return Number(raw);
}

function valueExpr(attr: Attribute): SQL {
  const column = COLUMNS[attr.tag];
  if (column) return column;
  const path = attr.vr === "PN" ? `{${attr.tag},Value,0,Alphabetic}` : `{${attr.tag},Value,0}`;
  return sql`(attrs #>> ${path}::text[])`;
}

function inList(values: string[]): SQL {
  return sql.join(values.map((v) => sql`${v}`), sql`, `);
}

function likePattern(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, "%").replace(/\?/g, "_");
}

/** One key's matching (PS3.4 C.2.2.2): universal (empty), UID list, range, wildcard or single value. */
function matchFilter(attr: Attribute, value: string): SQL | null {
  if (value === "" || value === "*") return null;
  if (attr.tag === "00080061") {
    // Modalities in Study: studies having any instance of any listed modality.
    const modalities = value.split(/[\\,]/).filter(Boolean);
    if (modalities.length === 0) return null;
    return sql`study_uid in (select m.study_uid from dicom_instances m where m.lab_id = dicom_instances.lab_id and m.dataset_id = dicom_instances.dataset_id and m.modality in (${inList(modalities)}))`;
  }
  const expr = valueExpr(attr);
  if (attr.vr === "UI") {
    const uids = value.split(/[\\,]/).map((s) => s.trim()).filter(Boolean);
    if (uids.length === 0) return null;
    if (uids.some((u) => !/^[0-9.]{1,64}$/.test(u))) throw new DicomwebError(400, `${attr.keyword}: a UID is digits and dots, at most 64 characters`);
    return sql`${expr} in (${inList(uids)})`;
  }
  if (RANGE_VRS.has(attr.vr) && value.includes("-")) {
    const [from = "", to = ""] = value.split("-");
    const ok = attr.vr === "DA" ? /^(\d{8})?$/ : /^[\d.+]*$/;
    if (!ok.test(from) || !ok.test(to) || (from === "" && to === "")) throw new DicomwebError(400, `${attr.keyword}: a range is FROM-TO, e.g. 21500101-21501231 (either end may be left open)`);
    const parts = [from ? sql`${expr} >= ${from}` : null, to ? sql`${expr} <= ${to + (attr.vr === "DA" ? "" : "\uffff")}` : null].filter((p): p is SQL => p !== null);
    return sql.join(parts, sql` and `);
  }
  if (attr.vr === "DA" && !/^\d{8}$/.test(value)) throw new DicomwebError(400, `${attr.keyword}: a date is YYYYMMDD, or a range YYYYMMDD-YYYYMMDD`);
  const caseless = attr.vr === "PN";
  if (/[*?]/.test(value)) return caseless ? sql`${expr} ilike ${likePattern(value)}` : sql`${expr} like ${likePattern(value)}`;
  return caseless ? sql`lower(${expr}) = lower(${value})` : sql`${expr} = ${value}`;
}

type Row = { attrs: DicomJson; n_series?: number; n_instances?: number; modalities?: string[] | null; study_uid: string; series_uid?: string; sop_uid?: string };

/** Runs a query; `more` says whether results past `limit` exist (for the Warning header). */
export async function runQido(scope: QidoScope, q: QidoQuery, retrieveBase: string): Promise<{ results: DicomJson[]; more: boolean }> {
  const where = sql.join(
    [
      sql`lab_id = ${scope.labId}`,
      sql`dataset_id = ${scope.datasetId}`,
      sql`error is null`,
      ...(scope.studyUid ? [sql`study_uid = ${scope.studyUid}`] : []),
      ...(scope.seriesUid ? [sql`series_uid = ${scope.seriesUid}`] : []),
      ...q.filters,
    ],
    sql` and `,
  );
  const base = sql`lab_id = ${scope.labId} and dataset_id = ${scope.datasetId} and error is null`;
  const page = sql`limit ${q.limit + 1} offset ${q.offset}`;
  let rows: Row[];
  if (q.level === "studies") {
    rows = (
      await getDb().execute<Row>(sql`
        select study_uid, (array_agg(attrs order by path))[1] as attrs, count(distinct series_uid)::int as n_series, count(*)::int as n_instances,
          array_agg(distinct modality) filter (where modality is not null) as modalities
        from dicom_instances where ${base} and study_uid in (select study_uid from dicom_instances where ${where})
        group by study_uid order by max(study_date) desc nulls last, study_uid ${page}`)
    ).rows;
  } else if (q.level === "series") {
    rows = (
      await getDb().execute<Row>(sql`
        select study_uid, series_uid, (array_agg(attrs order by path))[1] as attrs, count(*)::int as n_instances
        from dicom_instances where ${base} and series_uid in (select series_uid from dicom_instances where ${where})
        group by study_uid, series_uid order by study_uid, min((attrs #>> '{00200011,Value,0}')::numeric) nulls last, series_uid ${page}`)
    ).rows;
  } else {
    rows = (
      await getDb().execute<Row>(sql`
        select study_uid, series_uid, sop_uid, attrs from dicom_instances where ${where}
        order by study_uid, series_uid, (attrs #>> '{00200013,Value,0}')::numeric nulls last, sop_uid ${page}`)
    ).rows;
  }
  const more = rows.length > q.limit;
  return { results: rows.slice(0, q.limit).map((r) => shape(q, r, retrieveBase)), more };
}

function shape(q: QidoQuery, row: Row, retrieveBase: string): DicomJson {
  const level = LEVEL_TAGS[q.level];
  const out: DicomJson = {};
  const pick = (tag: string) => {
    const e = row.attrs[tag];
    if (e) out[tag] = e;
  };
  if (q.include === "all" && level.all === "every") Object.keys(row.attrs).forEach(pick);
  else {
    level.defaults.forEach(pick);
    if (q.include === "all") (level.all as string[]).forEach(pick);
    else q.include.forEach(pick);
  }
  const computed: Record<string, DicomJsonElement> = { "00080056": { vr: "CS", Value: ["ONLINE"] } };
  let url = `${retrieveBase}/studies/${row.study_uid}`;
  if (q.level === "studies") {
    computed["00080061"] = { vr: "CS", Value: [...(row.modalities ?? [])].sort() };
    computed["00201206"] = { vr: "IS", Value: [row.n_series!] };
    computed["00201208"] = { vr: "IS", Value: [row.n_instances!] };
  } else if (q.level === "series") {
    computed["00201209"] = { vr: "IS", Value: [row.n_instances!] };
    url += `/series/${row.series_uid}`;
  } else url += `/series/${row.series_uid}/instances/${row.sop_uid}`;
  computed["00081190"] = { vr: "UR", Value: [url] };
  Object.assign(out, computed);
  // Tag order, as the DICOM JSON examples (and most servers) write it.
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}
