import { getTableColumns, type InferSelectModel, type Table } from "drizzle-orm";

/**
 * Rows of `table` that a statement returned as JSON (`to_jsonb(t)`, keyed by column name), read the
 * way Drizzle reads the table's own select: each column through its own driver mapping (timestamps
 * to Date, dates kept as YYYY-MM-DD, arrays as arrays), so one statement can bring several tables.
 */
export function fromJsonRows<T extends Table>(table: T, rows: readonly Record<string, unknown>[] | null | undefined): InferSelectModel<T>[] {
  const columns = Object.entries(getTableColumns(table));
  return (rows ?? []).map(
    (row) => Object.fromEntries(columns.map(([key, column]) => [key, row[column.name] === null || row[column.name] === undefined ? null : column.mapFromDriverValue(row[column.name])])) as InferSelectModel<T>,
  );
}
