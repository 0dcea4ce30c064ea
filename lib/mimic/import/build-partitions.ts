import type pg from "pg";
import { facetGroupsSql, positiveGroupsSql, type FacetGroups, type PositiveGroups } from "../browse/facet-groups";
import { REPORT_TS_CONFIG } from "../browse/report-search";
import { LABELS } from "./file-specs";
import { ImportError } from "./import-error";

// The conversions are written out inline rather than called as SQL functions: PostgreSQL cannot
// inline a function whose body raises, and 10 million calls of the old mimic_label() took 14 of the
// import's 25 seconds. A value outside the expected ones raises and find-bad-row.ts names its line.

/**
 * A label's state as LABEL_STATES' index (tokens.ts): 1.0 / 0.0 / -1.0 / empty as 0 positive,
 * 1 negative, 2 uncertain, 3 not mentioned — four distinct states.
 */
const labelState = (v: string) =>
  `CASE ${v} WHEN '1.0' THEN 0 WHEN '0.0' THEN 1 WHEN '-1.0' THEN 2 WHEN '' THEN 3 WHEN '1' THEN 0 WHEN '0' THEN 1 WHEN '-1' THEN 2 ` +
  `ELSE CASE WHEN ${v} IS NULL THEN 3 ELSE mimic_bad_value('label', ${v}) END END`;

/**
 * One labeler's rows with each label's state computed once, then the three things made of the
 * states: the labels array (1 / 0 / -1 / NULL), the facet bits (labelBit in tokens.ts: bit
 * index * 4 + state) and the tokens (labelToken: base + index * 4 + state + 1). Deriving bits and
 * tokens from the array instead (28 subscripts a study) was ~60% of the labels' cost.
 * OFFSET 0 keeps the states computed once rather than inlined into each of their three uses.
 */
const labelRows = (table: string, base: number) => `
  SELECT study_id,
    ARRAY[${LABELS.map((_, i) => `CASE s${i} WHEN 0 THEN 1 WHEN 1 THEN 0 WHEN 2 THEN -1 END`).join(", ")}]::smallint[] AS labels,
    ${LABELS.map((_, i) => `(1::bigint << (${i * 4} + s${i}))`).join(" | ")} AS bits,
    ARRAY[${LABELS.map((_, i) => `${base + i * 4 + 1} + s${i}`).join(", ")}]::smallint[] AS tokens
  FROM (SELECT study_id::integer AS study_id, ${LABELS.map((_, i) => `${labelState(`l${i + 1}`)} AS s${i}`).join(", ")} FROM ${table} OFFSET 0) states`;

/** StudyTime is written as a number, so leading zeros are lost: 5323.5 is 00:53:23.5. */
const studyTime = (v: string) =>
  `CASE WHEN ${v} IS NULL OR ${v} = '' THEN NULL WHEN ${v} ~ '^[0-9]{1,6}(\\.[0-9]*)?$' THEN ` +
  `make_time(floor(${v}::numeric / 10000)::int, floor(mod(${v}::numeric, 10000) / 100)::int, mod(${v}::numeric, 100)::float8) ` +
  `ELSE mimic_bad_value('StudyTime', ${v})::text::time END`;

export type NewPartitions = { image: string; study: string; facet: string };
export type BuiltPartitions = NewPartitions & {
  totals: Record<"chexpert" | "negbio", FacetGroups & { positive: PositiveGroups }>;
  /** Building the typed rows, their indexes, then ANALYZE/VACUUM and the stored totals. */
  seconds: { rows: number; indexes: number; finishing: number };
};

// Parent table → the partition built for it; the order is the order of building and of swapping.
const PARENTS = [
  ["mimic_image", "image"],
  ["mimic_study", "study"],
  ["mimic_study_facet", "facet"],
] as const;

// View positions become bits of mimic_study_facet.view_bits (a bigint), so codes above 62 would be
// lost from the facet counts; MIMIC-CXR has 15 distinct views.
const MAX_VIEW_CODE = 62;

/**
 * Builds the dataset's new image and study tables from staging, off to the side (not yet attached),
 * with the parent's indexes, so the swap itself is a catalogue change. Types are converted here;
 * a bad value raises and the caller finds its line in staging (find-bad-row.ts).
 */
export async function buildPartitions(client: pg.ClientBase, opts: { datasetId: string; tag: string; imageSource: "records" | "metadata" | "split"; side?: pg.ClientBase }): Promise<BuiltPartitions> {
  const names: NewPartitions = { image: `mimic_image_${opts.tag}`, study: `mimic_study_${opts.tag}`, facet: `mimic_facet_${opts.tag}` };
  const id = client.escapeLiteral(opts.datasetId);
  const started = performance.now();
  // A second connection builds indexes while this one fills the next table (the machine's other core).
  const side = opts.side ?? null;
  for (const c of side ? [client, side] : [client]) await c.query("SET maintenance_work_mem = '512MB'");
  await client.query("SET work_mem = '256MB'");
  // The long inline CASE expressions push the plans' costs past jit_above_cost, and compiling
  // them took longer (2 s per statement) than running them.
  await client.query("SET jit = off");
  for (const [parent, key] of PARENTS) {
    const table = names[key];
    await client.query(`CREATE TABLE ${table} (LIKE ${parent} INCLUDING DEFAULTS)`);
    // Lets ATTACH PARTITION skip its validation scan.
    await client.query(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_dataset CHECK (dataset_id IS NOT NULL AND dataset_id = ${id})`);
  }

  const jpgPath = (t: string) => `'files/p' || left(${t}.subject_id, 2) || '/p' || ${t}.subject_id || '/s' || ${t}.study_id || '/' || ${t}.dicom_id || '.jpg'`;
  // The image list comes from the record list, else the metadata, else the split file; metadata as
  // its own source is read once rather than joined to itself.
  const images =
    opts.imageSource === "records"
      ? "(SELECT dicom_id, study_id, subject_id, path FROM stg_records) b LEFT JOIN stg_metadata m ON m.dicom_id = b.dicom_id"
      : opts.imageSource === "metadata"
        ? `(SELECT m.*, ${jpgPath("m")} AS path FROM stg_metadata m) b`
        : `(SELECT dicom_id, study_id, subject_id, ${jpgPath("x")} AS path FROM stg_split x) b LEFT JOIN stg_metadata m ON m.dicom_id = b.dicom_id`;
  const meta = opts.imageSource === "metadata" ? "b" : "m";
  // With no image in lab storage (a fresh lab) the join would still hash every image row to probe
  // it with nothing: measured ~10% of this statement on the full-scale set.
  const anyLocal = (await client.query("SELECT EXISTS (SELECT 1 FROM stg_local) AS any")).rows[0]!.any === true;
  await client.query(`
    INSERT INTO ${names.image} (dataset_id, dicom_id, study_id, subject_id, path, view_position, rows, columns, study_date, study_time, procedure, view_code, orientation, split, present_locally)
    SELECT ${id}, b.dicom_id, b.study_id::integer, b.subject_id::integer, b.path, nullif(${meta}.view_position, ''), ${meta}.rows::integer, ${meta}.columns::integer,
      to_date(${meta}.study_date, 'YYYYMMDD'), ${studyTime(`${meta}.study_time`)}, nullif(${meta}.procedure, ''), nullif(${meta}.view_code, ''), nullif(${meta}.orientation, ''),
      CASE WHEN s.split IS NULL OR s.split IN ('train', 'validate', 'test') THEN s.split ELSE mimic_bad_value('split', s.split)::text END,
      ${anyLocal ? "l.path IS NOT NULL" : "false"}
    FROM ${images}
    LEFT JOIN stg_split s ON s.dicom_id = b.dicom_id
    ${anyLocal ? "LEFT JOIN stg_local l ON l.path = b.path" : ""}`);
  // Only new names, numbered from the highest code in use rather than by the identity sequence: a
  // failed import's names are deleted again (recover.ts), and the next import reuses their codes
  // instead of creeping towards the 62 a facet row can hold. Imports run one at a time (IMPORT_LOCK).
  await client.query(`
    INSERT INTO mimic_view (code, name) OVERRIDING SYSTEM VALUE
    SELECT ((SELECT coalesce(max(code), 0) FROM mimic_view) + row_number() OVER (ORDER BY n.name))::smallint, n.name
    FROM (SELECT DISTINCT coalesce(i.view_position, '') AS name FROM ${names.image} i
          WHERE NOT EXISTS (SELECT 1 FROM mimic_view v WHERE v.name = coalesce(i.view_position, ''))) n`);
  const views = await client.query<{ code: number; name: string }>(
    `SELECT v.code, v.name FROM mimic_view v WHERE v.code > ${MAX_VIEW_CODE} AND v.name IN (SELECT coalesce(view_position, '') FROM ${names.image})`,
  );
  if (views.rows.length > 0) {
    throw new ImportError(`this lab has seen more than ${MAX_VIEW_CODE} distinct view positions; "${views.rows[0]!.name}" cannot be counted (ask an administrator to prune mimic_view)`);
  }

  // The image table's indexes are built on the side connection while the study and facet rows are
  // filled from it here (both only read it); without one, after.
  const imageIndexList = [`CREATE UNIQUE INDEX ON ${names.image} (dataset_id, dicom_id)`, `CREATE INDEX ON ${names.image} (dataset_id, study_id)`];
  const imageIndexes = side ? run(side, imageIndexList) : Promise.resolve();
  // Settled before any throw leaves: the caller drops these tables on failure, which would wait on the side's build.
  imageIndexes.catch(() => {});
  // One statement fills both tables from the same joined rows: the facet table's bits are computed
  // where the labels and image aggregates already are, not recomputed from the study table.
  const studyAndFacet = client.query(`
    WITH ids AS (
      SELECT study_id, min(subject_id) AS subject_id FROM (
        SELECT study_id::integer, subject_id::integer FROM stg_studies
        UNION ALL SELECT study_id, subject_id FROM ${names.image}
        UNION ALL SELECT study_id::integer, subject_id::integer FROM stg_chexpert
        UNION ALL SELECT study_id::integer, subject_id::integer FROM stg_negbio
        UNION ALL SELECT study_id, subject_id FROM stg_reports
      ) all_ids GROUP BY study_id
    ),
    -- Per study, plain aggregates only: PostgreSQL 15 runs a DISTINCT aggregate as a sort per group,
    -- and four of them over 227,835 groups were most of this step. Views, splits and their tokens
    -- are read back from the bits, the views once per distinct combination (a few dozen).
    agg AS (
      SELECT i.study_id, min(i.study_date) AS study_date, min(i.study_time) AS study_time,
        count(*) AS n, count(*) FILTER (WHERE i.present_locally) AS local_n, bool_or(i.present_locally) AS any_local,
        bit_or(1::bigint << v.code) AS view_bits,
        bit_or(CASE i.split WHEN 'train' THEN 1 WHEN 'validate' THEN 2 WHEN 'test' THEN 4 ELSE 0 END) AS split_bits
      FROM ${names.image} i JOIN mimic_view v ON v.name = coalesce(i.view_position, '')
      GROUP BY i.study_id
    ),
    -- MATERIALIZED: inlined, the planner evaluated the token subquery once per study, not per combination.
    combos AS MATERIALIZED (
      SELECT b.view_bits,
        ARRAY(SELECT v.name FROM mimic_view v WHERE (b.view_bits >> v.code) & 1 = 1 ORDER BY v.name) AS views,
        ARRAY(SELECT (300 + v.code)::smallint FROM mimic_view v WHERE (b.view_bits >> v.code) & 1 = 1 ORDER BY v.code) AS view_tokens
      FROM (SELECT DISTINCT view_bits FROM agg) b
    ),
    img AS (
      SELECT a.study_id, a.study_date, a.study_time, a.n, a.local_n, a.view_bits, c.views,
        -- In the order array_agg(DISTINCT …) gave: text order for names, numeric for tokens.
        array_remove(ARRAY[CASE WHEN a.split_bits & 4 <> 0 THEN 'test' END, CASE WHEN a.split_bits & 1 <> 0 THEN 'train' END, CASE WHEN a.split_bits & 2 <> 0 THEN 'validate' END], NULL) AS splits,
        c.view_tokens
          || array_remove(ARRAY[CASE WHEN a.split_bits & 1 <> 0 THEN 401 END, CASE WHEN a.split_bits & 2 <> 0 THEN 402 END, CASE WHEN a.split_bits & 4 <> 0 THEN 403 END]::smallint[], NULL)
          || CASE WHEN a.any_local THEN '{500}'::smallint[] ELSE '{}'::smallint[] END AS tokens,
        (a.split_bits | CASE WHEN a.any_local THEN 8 ELSE 0 END)::smallint AS flags
      FROM agg a JOIN combos c ON c.view_bits = a.view_bits
    ),
    cx AS (${labelRows("stg_chexpert", 0)}),
    nb AS (${labelRows("stg_negbio", 100)}),
    tl AS (${labelRows("stg_test_labels", 200)}),
    pr AS (SELECT study_id::integer AS study_id, jsonb_strip_nulls(jsonb_build_object('ordering', nullif(ordering, ''), 'attending', nullif(attending, ''), 'resident', nullif(resident, ''))) AS providers FROM stg_providers),
    src AS MATERIALIZED (
      SELECT ids.study_id, ids.subject_id, img.study_date, img.study_time, coalesce(st.path, r.path) AS report_path, r.report,
        cx.labels AS chexpert, nb.labels AS negbio, tl.labels AS test_labels, coalesce(img.views, '{}') AS views, coalesce(img.splits, '{}') AS splits,
        coalesce(img.n, 0) AS image_count, coalesce(img.local_n, 0) AS local_image_count, pr.providers,
        coalesce(img.view_bits, 0) AS view_bits, coalesce(img.flags, 0::smallint) AS flags,
        coalesce(cx.bits, 0) AS chexpert_bits, coalesce(nb.bits, 0) AS negbio_bits,
        coalesce(cx.tokens, '{}') || coalesce(nb.tokens, '{}') || coalesce(tl.tokens, '{}') || coalesce(img.tokens, '{}') AS tokens
      FROM ids
      LEFT JOIN img ON img.study_id = ids.study_id
      LEFT JOIN stg_studies st ON st.study_id::integer = ids.study_id
      LEFT JOIN stg_reports r ON r.study_id = ids.study_id
      LEFT JOIN cx ON cx.study_id = ids.study_id
      LEFT JOIN nb ON nb.study_id = ids.study_id
      LEFT JOIN tl ON tl.study_id = ids.study_id
      LEFT JOIN pr ON pr.study_id = ids.study_id
    ),
    study AS (
      INSERT INTO ${names.study} (dataset_id, study_id, subject_id, study_date, study_time, report_path, report, report_tsv, chexpert, negbio, test_labels,
        views, splits, image_count, local_image_count, providers)
      SELECT ${id}, study_id, subject_id, study_date, study_time, report_path, report, CASE WHEN report IS NULL THEN NULL ELSE to_tsvector('${REPORT_TS_CONFIG}', report) END,
        chexpert, negbio, test_labels, views, splits, image_count, local_image_count, providers
      FROM src
    )
    INSERT INTO ${names.facet} (dataset_id, study_id, subject_id, study_date, chexpert_bits, negbio_bits, view_bits, flags, tokens)
    SELECT ${id}, study_id, subject_id, study_date, chexpert_bits, negbio_bits, view_bits, flags, tokens
    FROM src`);
  await both(imageIndexes, studyAndFacet);
  if (!side) await run(client, imageIndexList);

  const rowsDone = performance.now();
  // The parent's indexes, built once on the full table (cheaper than maintaining them row by row);
  // ATTACH PARTITION adopts them. With a second connection: study and facet indexes at once.
  const studyIndexes = [`CREATE UNIQUE INDEX ON ${names.study} (dataset_id, study_id)`, `CREATE INDEX ON ${names.study} USING gin (report_tsv)`];
  const facetIndexes = [
    `CREATE UNIQUE INDEX ON ${names.facet} (dataset_id, study_id)`,
    `CREATE INDEX ON ${names.facet} USING gin (tokens)`,
    `CREATE INDEX ON ${names.facet} (dataset_id, study_date DESC NULLS LAST, study_id DESC)`,
  ];
  if (side) await both(run(side, facetIndexes), run(client, studyIndexes));
  else await run(client, [...studyIndexes, ...facetIndexes]);
  const indexesDone = performance.now();
  // The table every browse request scans is vacuumed too: hint bits and the visibility map are set
  // now, so the first browsers do not pay for that and autovacuum does not arrive mid-day to do it.
  const analyze = `ANALYZE ${names.image}, ${names.study}`;
  const vacuum = `VACUUM (ANALYZE) ${names.facet}`;
  if (side) await both(run(side, [analyze]), run(client, [vacuum]));
  else await run(client, [analyze, vacuum]);

  const totals = async (bits: string) => {
    const source = `(SELECT ${bits} AS bits, view_bits, flags FROM ${names.facet}) s`;
    const facets = (await client.query<FacetGroups>(facetGroupsSql(source))).rows[0]!;
    const positive = (await client.query<PositiveGroups>(positiveGroupsSql(source))).rows[0]!;
    return { ...facets, positive };
  };
  const built = { chexpert: await totals("chexpert_bits"), negbio: await totals("negbio_bits") };
  return { ...names, totals: built, seconds: { rows: (rowsDone - started) / 1000, indexes: (indexesDone - rowsDone) / 1000, finishing: (performance.now() - indexesDone) / 1000 } };
}

/** Runs the statements in order on one connection. */
async function run(c: pg.ClientBase, statements: string[]): Promise<void> {
  for (const q of statements) await c.query(q);
}

/** Both settled before the first failure is thrown, so nothing is still running on a connection when the caller cleans up. */
async function both(a: Promise<unknown>, b: Promise<unknown>): Promise<void> {
  const [x, y] = await Promise.allSettled([a, b]);
  if (x.status === "rejected") throw x.reason;
  if (y.status === "rejected") throw y.reason;
}

/** Swaps the new tables and facet totals in for the dataset's current ones; the caller holds the transaction. */
export async function swapPartitions(client: pg.ClientBase, opts: { datasetId: string; next: BuiltPartitions }): Promise<void> {
  const id = client.escapeLiteral(opts.datasetId);
  for (const [parent, key] of PARENTS) {
    const table = opts.next[key];
    const current = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = $1::regclass AND pg_get_expr(c.relpartbound, c.oid) = $2`,
      [parent, `FOR VALUES IN ('${opts.datasetId}')`],
    );
    for (const row of current.rows) {
      await client.query(`ALTER TABLE ${parent} DETACH PARTITION ${row.name}`);
      await client.query(`DROP TABLE ${row.name}`);
    }
    await client.query(`ALTER TABLE ${parent} ATTACH PARTITION ${table} FOR VALUES IN (${id})`);
  }
  await client.query("DELETE FROM mimic_facet_totals WHERE dataset_id = $1", [opts.datasetId]);
  for (const [labeler, groups] of Object.entries(opts.next.totals)) {
    await client.query("INSERT INTO mimic_facet_totals (dataset_id, labeler, groups) VALUES ($1, $2, $3)", [opts.datasetId, labeler, JSON.stringify(groups)]);
  }
}

/**
 * Takes the explorer tables for the swap, waiting at most `waitMs` for their readers. DETACH needs
 * them exclusively, and a lock request that waits makes every later reader wait behind it: a cohort
 * manifest is one COPY held open as long as its client reads (decision 039), so an unbounded wait
 * would stall every explorer page for as long as one slow download. Throws PostgreSQL's 55P03 when
 * the readers did not finish in time; the caller's transaction is then aborted and retried.
 */
export async function lockForSwap(client: pg.ClientBase, waitMs: number): Promise<void> {
  await client.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(waitMs))}`);
  await client.query(`LOCK TABLE ${PARENTS.map(([parent]) => parent).join(", ")} IN ACCESS EXCLUSIVE MODE`);
  await client.query("SET LOCAL lock_timeout = 0");
}

/** Tables left by an import that died before its swap: never attached, so never visible; dropped. */
export async function dropOrphanPartitions(client: pg.ClientBase): Promise<void> {
  const orphans = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c
     WHERE c.relkind = 'r' AND c.relname ~ '^mimic_(image|study|facet)_i[0-9a-f]{12}$' AND NOT c.relispartition`,
  );
  for (const row of orphans.rows) await client.query(`DROP TABLE IF EXISTS ${row.name}`);
}
