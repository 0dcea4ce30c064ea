/** Escapes one value for PostgreSQL's COPY text format (tab-separated, \N for null). */
export function copyTextValue(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return "\\N";
  if (typeof v === "number") return String(v);
  return v.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
}

export function copyTextRow(values: (string | number | null | undefined)[]): string {
  return `${values.map(copyTextValue).join("\t")}\n`;
}
