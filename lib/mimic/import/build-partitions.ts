import type pg from "pg";
import { LABELS } from "./file-specs";

const labelArray = (alias: string) => `ARRAY[${LABELS.map((_, i) => `mimic_label(${alias}.l${i + 1})`).join(", ")}]::smallint[]`;

export type NewPartitions = { image: string; study: string };

/**
 * Builds the dataset's new image and study tables from staging, off to the side (not yet attached),
 * with the parent's indexes, so the swap itself is a catalogue change. Types are converted here;
 * a bad value raises and the caller finds its line in staging (find-bad-row.ts).
 */
export async function buildPartitions(client: pg.ClientBase, opts: { datasetId: string; tag: string; imageSource: "records" | "metadata" | "split" }): Promise<NewPartitions> {
  const names = { image: `mimic_image_${opts.tag}`, study: `mimic_study_${opts.tag}` };
  const id = client.escapeLiteral(opts.datasetId);
  await client.query("SET maintenance_work_mem = '512MB'");
  await client.query("SET work_mem = '256MB'");
  for (const [parent, table] of [["mimic_image", names.image], ["mimic_study", names.study]] as const) {
    await client.query(`CREATE TABLE ${table} (LIKE ${parent} INCLUDING DEFAULTS)`);
    // Lets ATTACH PARTITION skip its validation scan.
    await client.query(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_dataset CHECK (dataset_id IS NOT NULL AND dataset_id = ${id})`);
  }

  const base =
    opts.imageSource === "records"
      ? "SELECT dicom_id, study_id, subject_id, path FROM stg_records"
      : `SELECT dicom_id, study_id, subject_id, 'files/p' || left(subject_id, 2) || '/p' || subject_id || '/s' || study_id || '/' || dicom_id || '.jpg' AS path FROM stg_${opts.imageSource}`;
  await client.query(`
    INSERT INTO ${names.image} (dataset_id, dicom_id, study_id, subject_id, path, view_position, rows, columns, study_date, study_time, procedure, view_code, orientation, split, present_locally)
    SELECT ${id}, b.dicom_id, b.study_id::integer, b.subject_id::integer, b.path, nullif(m.view_position, ''), m.rows::integer, m.columns::integer,
      to_date(m.study_date, 'YYYYMMDD'), mimic_study_time(m.study_time), nullif(m.procedure, ''), nullif(m.view_code, ''), nullif(m.orientation, ''),
      CASE WHEN s.split IS NULL OR s.split IN ('train', 'validate', 'test') THEN s.split ELSE mimic_bad_value('split', s.split)::text END,
      l.path IS NOT NULL
    FROM (${base}) b
    LEFT JOIN stg_metadata m ON m.dicom_id = b.dicom_id
    LEFT JOIN stg_split s ON s.dicom_id = b.dicom_id
    LEFT JOIN stg_local l ON l.path = b.path`);
  await client.query(`INSERT INTO mimic_view (name) SELECT DISTINCT coalesce(view_position, '') FROM ${names.image} ON CONFLICT (name) DO NOTHING`);

  await client.query(`
    INSERT INTO ${names.study} (dataset_id, study_id, subject_id, study_date, study_time, report_path, report, report_tsv, chexpert, negbio, test_labels,
      views, splits, image_count, local_image_count, providers, tokens)
    WITH ids AS (
      SELECT study_id, min(subject_id) AS subject_id FROM (
        SELECT study_id::integer, subject_id::integer FROM stg_studies
        UNION ALL SELECT study_id, subject_id FROM ${names.image}
        UNION ALL SELECT study_id::integer, subject_id::integer FROM stg_chexpert
        UNION ALL SELECT study_id::integer, subject_id::integer FROM stg_negbio
        UNION ALL SELECT study_id, subject_id FROM stg_reports
      ) all_ids GROUP BY study_id
    ),
    img AS (
      SELECT i.study_id, min(i.study_date) AS study_date, min(i.study_time) AS study_time,
        array_agg(DISTINCT coalesce(i.view_position, '')) AS views,
        coalesce(array_agg(DISTINCT i.split) FILTER (WHERE i.split IS NOT NULL), '{}') AS splits,
        count(*) AS n, count(*) FILTER (WHERE i.present_locally) AS local_n,
        array_agg(DISTINCT (300 + v.code)::smallint)
          || coalesce(array_agg(DISTINCT (400 + CASE i.split WHEN 'train' THEN 1 WHEN 'validate' THEN 2 ELSE 3 END)::smallint) FILTER (WHERE i.split IS NOT NULL), '{}')
          || CASE WHEN bool_or(i.present_locally) THEN '{500}'::smallint[] ELSE '{}'::smallint[] END AS tokens
      FROM ${names.image} i JOIN mimic_view v ON v.name = coalesce(i.view_position, '')
      GROUP BY i.study_id
    ),
    cx AS (SELECT study_id::integer AS study_id, ${labelArray("c")} AS labels FROM stg_chexpert c),
    nb AS (SELECT study_id::integer AS study_id, ${labelArray("n")} AS labels FROM stg_negbio n),
    tl AS (SELECT study_id::integer AS study_id, ${labelArray("t")} AS labels FROM stg_test_labels t),
    pr AS (SELECT study_id::integer AS study_id, jsonb_strip_nulls(jsonb_build_object('ordering', nullif(ordering, ''), 'attending', nullif(attending, ''), 'resident', nullif(resident, ''))) AS providers FROM stg_providers)
    SELECT ${id}, ids.study_id, ids.subject_id, img.study_date, img.study_time, coalesce(st.path, r.path), r.report,
      CASE WHEN r.report IS NULL THEN NULL ELSE to_tsvector('english', r.report) END,
      cx.labels, nb.labels, tl.labels, coalesce(img.views, '{}'), coalesce(img.splits, '{}'), coalesce(img.n, 0), coalesce(img.local_n, 0), pr.providers,
      mimic_label_tokens(cx.labels, 0) || mimic_label_tokens(nb.labels, 100) || mimic_label_tokens(tl.labels, 200) || coalesce(img.tokens, '{}')
    FROM ids
    LEFT JOIN img ON img.study_id = ids.study_id
    LEFT JOIN stg_studies st ON st.study_id::integer = ids.study_id
    LEFT JOIN stg_reports r ON r.study_id = ids.study_id
    LEFT JOIN cx ON cx.study_id = ids.study_id
    LEFT JOIN nb ON nb.study_id = ids.study_id
    LEFT JOIN tl ON tl.study_id = ids.study_id
    LEFT JOIN pr ON pr.study_id = ids.study_id`);

  // The parent's indexes, built once on the full table (cheaper than maintaining them row by row);
  // ATTACH PARTITION adopts them.
  await client.query(`CREATE UNIQUE INDEX ON ${names.image} (dataset_id, dicom_id)`);
  await client.query(`CREATE INDEX ON ${names.image} (dataset_id, study_id)`);
  await client.query(`CREATE UNIQUE INDEX ON ${names.study} (dataset_id, study_id)`);
  await client.query(`CREATE INDEX ON ${names.study} (dataset_id, study_date DESC, study_id)`);
  await client.query(`CREATE INDEX ON ${names.study} USING gin (tokens)`);
  await client.query(`CREATE INDEX ON ${names.study} USING gin (report_tsv)`);
  await client.query(`ANALYZE ${names.image}`);
  await client.query(`ANALYZE ${names.study}`);
  return names;
}

/** Swaps the new tables in for the dataset's current ones; the caller holds the transaction. */
export async function swapPartitions(client: pg.ClientBase, opts: { datasetId: string; next: NewPartitions }): Promise<void> {
  const id = client.escapeLiteral(opts.datasetId);
  for (const [parent, table] of [["mimic_image", opts.next.image], ["mimic_study", opts.next.study]] as const) {
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
}

/** Tables left by an import that died before its swap: never attached, so never visible; dropped. */
export async function dropOrphanPartitions(client: pg.ClientBase): Promise<void> {
  const orphans = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c
     WHERE c.relkind = 'r' AND c.relname ~ '^mimic_(image|study)_i[0-9a-f]{12}$' AND NOT c.relispartition`,
  );
  for (const row of orphans.rows) await client.query(`DROP TABLE IF EXISTS ${row.name}`);
}
