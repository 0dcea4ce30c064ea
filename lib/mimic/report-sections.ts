/**
 * Splits a free-text MIMIC-CXR report into its sections (EXAMINATION, INDICATION, TECHNIQUE,
 * COMPARISON, FINDINGS, IMPRESSION, …). Reports are inconsistent: headings may be missing, text may
 * precede the first heading ("FINAL REPORT"), and a heading may carry text on the same line.
 */
export type ReportSection = { heading: string | null; text: string };

// A heading is upper-case words at the start of a line followed by a colon.
const HEADING = /^[ \t]*([A-Z][A-Z &/()-]{2,40}):[ \t]*/gm;

export function splitReportSections(report: string): ReportSection[] {
  const sections: ReportSection[] = [];
  const matches = [...report.matchAll(HEADING)];
  const push = (heading: string | null, text: string) => {
    const trimmed = text.replace(/[ \t]+\n/g, "\n").trim();
    if (heading !== null || trimmed) sections.push({ heading, text: trimmed });
  };
  push(null, report.slice(0, matches[0]?.index ?? report.length));
  matches.forEach((m, i) => {
    const start = m.index + m[0].length;
    const end = matches[i + 1]?.index ?? report.length;
    push(m[1]!.trim(), report.slice(start, end));
  });
  return sections;
}
