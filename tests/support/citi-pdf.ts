import { PDFDocument, PDFString, StandardFonts, rgb, type PDFFont, type PDFPage } from "pdf-lib";

// Synthetic CITI Program PDFs laid out like the real ones: the two-part Completion Report (labels in
// bold, values as separate text runs, a module table, the "Verify at … ?k…" line) and the one-page
// Completion Certificate (verify link with ?w). Every field can be changed or left out so tests can
// provoke each parser error.

export type CitiPdfOptions = {
  kind?: "report" | "certificate";
  name?: string | null;
  learnerId?: string;
  institution?: string | null;
  email?: string;
  curriculumGroup?: string | null;
  courseLearnerGroup?: string | null;
  stage?: string | null;
  recordId?: string | null;
  /** A Date is printed as CITI prints dates (14-Jun-2024); a string is printed as given. */
  completionDate?: Date | string | null;
  expirationDate?: Date | string | null;
  verifyCode?: string;
  /** Overrides the whole "Verify at" target; null leaves the line and the link out. */
  verifyLink?: string | null;
  /** How the verify link appears: printed and clickable (default, like CITI's), or only one of them. */
  verifyLinkAs?: "text-and-annotation" | "text" | "annotation";
  /** Adds the transcript page (part 2 of 2) that real reports carry. */
  withTranscript?: boolean;
};

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function citiDate(d: Date): string {
  return `${String(d.getUTCDate()).padStart(2, "0")}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()}`;
}

const MODULES = [
  ["Belmont Report and Its Principles (ID: 1127)", "3/3 (100%)"],
  ["History and Ethics of Human Subjects Research (ID: 498)", "5/5 (100%)"],
  ["Basic Institutional Review Board (IRB) Regulations and Review Process (ID: 2)", "5/5 (100%)"],
  ["Records-Based Research (ID: 5)", "3/3 (100%)"],
  ["Genetic Research in Human Populations (ID: 6)", "4/5 (80%)"],
  ["Populations in Research Requiring Additional Considerations and/or Protections (ID: 16680)", "5/5 (100%)"],
  ["Research and HIPAA Privacy Protections (ID: 14)", "5/5 (100%)"],
  ["Conflicts of Interest in Human Subjects Research (ID: 17464)", "5/5 (100%)"],
] as const;

type Resolved = Required<Omit<CitiPdfOptions, "completionDate" | "expirationDate">> & { completion: string | null; expiration: string | null };

function resolve(o: CitiPdfOptions): Resolved {
  const completion = o.completionDate === undefined ? new Date(Date.UTC(2025, 2, 3)) : o.completionDate;
  const expiration = o.expirationDate === undefined ? new Date(Date.UTC(2028, 2, 2)) : o.expirationDate;
  const kind = o.kind ?? "report";
  const recordId = o.recordId === undefined ? "45678901" : o.recordId;
  const verifyCode = o.verifyCode ?? "3f9c2a71-5b0e-4d8a-9c61-2e7f0a4b8d15";
  return {
    kind,
    name: o.name === undefined ? "Ana Souza" : o.name,
    learnerId: o.learnerId ?? "9876543",
    institution: o.institution === undefined ? "Massachusetts Institute of Technology Affiliates" : o.institution,
    email: o.email ?? "ana.souza@example.edu",
    // Most real reports put the course in the learner group under the "Human Research" curriculum;
    // some institutions print "Same as Curriculum Group" instead.
    curriculumGroup: o.curriculumGroup === undefined ? "Human Research" : o.curriculumGroup,
    courseLearnerGroup: o.courseLearnerGroup === undefined ? "Data or Specimens Only Research" : o.courseLearnerGroup,
    stage: o.stage === undefined ? "Stage 1 - Basic Course" : o.stage,
    recordId,
    completion: completion === null ? null : typeof completion === "string" ? completion : citiDate(completion),
    expiration: expiration === null ? null : typeof expiration === "string" ? expiration : citiDate(expiration),
    verifyCode,
    verifyLink: o.verifyLink === undefined ? `www.citiprogram.org/verify/?${kind === "report" ? "k" : "w"}${verifyCode}-${recordId ?? "45678901"}` : o.verifyLink,
    verifyLinkAs: o.verifyLinkAs ?? "text-and-annotation",
    withTranscript: o.withTranscript ?? true,
  };
}

type Pen = { page: PDFPage; font: PDFFont; bold: PDFFont; y: number };

function line(pen: Pen, text: string, opts: { size?: number; bold?: boolean; x?: number; gap?: number } = {}) {
  const size = opts.size ?? 9;
  pen.page.drawText(text, { x: opts.x ?? 50, y: pen.y, size, font: opts.bold ? pen.bold : pen.font, color: rgb(0.1, 0.1, 0.1) });
  pen.y -= opts.gap ?? size + 5;
}

// CITI's PDFs make the verify line a clickable URI link; pdf.js reports it through extractLinks.
function verifyLine(pen: Pen, r: Resolved, label: string, size: number) {
  if (r.verifyLink === null) return;
  const url = /^https?:/.test(r.verifyLink) ? r.verifyLink : `https://${r.verifyLink}`;
  const text = r.verifyLinkAs === "annotation" ? label.trim() : `${label}${r.verifyLink}`;
  const width = pen.font.widthOfTextAtSize(text, size);
  if (r.verifyLinkAs !== "text") {
    const annotation = pen.page.doc.context.obj({
      Type: "Annot",
      Subtype: "Link",
      Rect: [50, pen.y - 2, 50 + width, pen.y + size],
      Border: [0, 0, 0],
      A: { Type: "Action", S: "URI", URI: PDFString.of(url) },
    });
    pen.page.node.addAnnot(pen.page.doc.context.register(annotation));
  }
  pen.page.drawText(text, { x: 50, y: pen.y, size, font: pen.font, color: rgb(0.1, 0.1, 0.4) });
  pen.y -= size + 12;
}

// Label and value are separate text runs in different fonts, as in CITI's own PDFs.
function field(pen: Pen, label: string, value: string | null) {
  if (value === null) return;
  const size = 9;
  pen.page.drawText("\u2022", { x: 50, y: pen.y, size, font: pen.font });
  pen.page.drawText(`${label}:`, { x: 60, y: pen.y, size, font: pen.bold });
  pen.page.drawText(value, { x: 60 + pen.bold.widthOfTextAtSize(`${label}: `, size), y: pen.y, size, font: pen.font });
  pen.y -= size + 5;
}

function reportPage(doc: PDFDocument, pen: Omit<Pen, "page" | "y">, r: Resolved, part: 1 | 2) {
  const p: Pen = { ...pen, page: doc.addPage([612, 792]), y: 740 };
  line(p, "COLLABORATIVE INSTITUTIONAL TRAINING INITIATIVE (CITI PROGRAM)", { size: 11, bold: true });
  line(p, `COMPLETION REPORT - PART ${part} OF 2`, { size: 11, bold: true });
  line(p, part === 1 ? "COURSEWORK REQUIREMENTS*" : "COURSEWORK TRANSCRIPT**", { size: 11, bold: true, gap: 22 });
  line(p, part === 1 ? "* NOTE: Scores on this Requirements Report reflect quiz completions at the time all requirements for the course were met." : "** NOTE: Scores on this Transcript Report reflect the most current quiz completions, including quizzes on optional", { size: 7 });
  line(p, part === 1 ? "See list below for details. See separate Transcript Report for more recent quiz scores." : "(supplemental) elements of the course. See list below for details.", { size: 7, gap: 18 });
  field(p, "Name", r.name === null ? null : `${r.name} (ID: ${r.learnerId})`);
  field(p, "Institution Affiliation", r.institution === null ? null : `${r.institution} (ID: 1912)`);
  field(p, "Institution Email", r.email);
  field(p, "Institution Unit", "Radiology");
  p.y -= 8;
  field(p, "Curriculum Group", r.curriculumGroup);
  field(p, "Course Learner Group", r.courseLearnerGroup);
  field(p, "Stage", r.stage);
  field(p, "Description", "This course is for investigators, staff and students with an interest in data or specimens research.");
  p.y -= 8;
  field(p, "Record ID", r.recordId);
  if (part === 2) field(p, "Report Date", r.completion);
  field(p, "Completion Date", r.completion);
  field(p, "Expiration Date", r.expiration);
  field(p, "Minimum Passing", "90");
  field(p, part === 1 ? "Reported Score*" : "Current Score**", "98");
  p.y -= 10;
  line(p, part === 1 ? "REQUIRED AND ELECTIVE MODULES ONLY" : "REQUIRED, ELECTIVE, AND SUPPLEMENTAL MODULES", { bold: true, gap: 0 });
  line(p, part === 1 ? "DATE COMPLETED" : "MOST RECENT", { bold: true, x: 420, gap: 0 });
  line(p, "SCORE", { bold: true, x: 520 });
  for (const [title, score] of MODULES) {
    line(p, title.length > 72 ? `${title.slice(0, 69)}...` : title, { size: 8, gap: 0 });
    line(p, r.completion ?? "", { size: 8, x: 420, gap: 0 });
    line(p, score, { size: 8, x: 520 });
  }
  p.y -= 12;
  line(p, "For this Report to be valid, the learner identified above must have had a valid affiliation with the CITI Program subscribing", { size: 7 });
  line(p, "institution identified above or have been a paid Independent Learner.", { size: 7, gap: 16 });
  verifyLine(p, r, "Verify at: ", 8);
  line(p, "Collaborative Institutional Training Initiative (CITI Program)", { size: 8 });
  line(p, "Email: support@citiprogram.org", { size: 8 });
  line(p, "Phone: 888-529-5929", { size: 8 });
  line(p, "Web: https://www.citiprogram.org", { size: 8 });
}

function certificatePage(doc: PDFDocument, pen: Omit<Pen, "page" | "y">, r: Resolved) {
  const p: Pen = { ...pen, page: doc.addPage([792, 612]), y: 540 };
  line(p, "CITI PROGRAM", { size: 16, bold: true, gap: 30 });
  if (r.completion !== null) line(p, `Completion Date ${r.completion}`, { x: 560 });
  if (r.expiration !== null) line(p, `Expiration Date ${r.expiration}`, { x: 560 });
  if (r.recordId !== null) line(p, `Record ID ${r.recordId}`, { x: 560, gap: 30 });
  line(p, "This is to certify that:", { size: 11 });
  if (r.name !== null) line(p, r.name, { size: 20, bold: true, gap: 30 });
  line(p, "Has completed the following CITI Program course:", { size: 11, gap: 20 });
  if (r.curriculumGroup !== null) line(p, `${r.curriculumGroup} (Curriculum Group)`, { size: 12, bold: true });
  if (r.courseLearnerGroup !== null) line(p, `${r.courseLearnerGroup} (Course Learner Group)`, { size: 12, bold: true });
  if (r.stage !== null) line(p, `${r.stage} (Stage)`, { size: 12, bold: true, gap: 24 });
  line(p, "Under requirements set by:", { size: 11 });
  if (r.institution !== null) line(p, r.institution, { size: 12, bold: true, gap: 40 });
  line(p, "Collaborative Institutional Training Initiative", { size: 9 });
  verifyLine(p, r, "Verify at ", 9);
}

/** A CITI Completion Report (default) or Completion Certificate as PDF bytes. */
export async function makeCitiPdf(opts: CitiPdfOptions = {}): Promise<Uint8Array> {
  const r = resolve(opts);
  const doc = await PDFDocument.create();
  // Fixed dates keep the bytes of identical options identical (the sha256 tests rely on it).
  doc.setCreationDate(new Date(Date.UTC(2025, 0, 1)));
  doc.setModificationDate(new Date(Date.UTC(2025, 0, 1)));
  doc.setProducer("CITI Program");
  doc.setTitle(r.kind === "report" ? "CITI Completion Report" : "CITI Completion Certificate");
  const pen = { font: await doc.embedFont(StandardFonts.Helvetica), bold: await doc.embedFont(StandardFonts.HelveticaBold) };
  if (r.kind === "certificate") {
    certificatePage(doc, pen, r);
  } else {
    reportPage(doc, pen, r, 1);
    if (r.withTranscript) reportPage(doc, pen, r, 2);
  }
  return doc.save();
}

/** A valid PDF with ordinary text that has nothing to do with CITI. */
export async function makePlainPdf(text = "Quarterly budget report for the radiology department"): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([612, 792]);
  page.drawText(text, { x: 50, y: 700, size: 12, font: await doc.embedFont(StandardFonts.Helvetica) });
  return doc.save();
}

/** A valid PDF with no text at all, like a scanned page. */
export async function makeBlankPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage([612, 792]).drawRectangle({ x: 100, y: 100, width: 200, height: 200, color: rgb(0.5, 0.5, 0.5) });
  return doc.save();
}

/** Starts like a PDF, then nothing a PDF reader can use. */
export function makeCorruptPdf(): Uint8Array {
  return new TextEncoder().encode("%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R\ntruncated in transit");
}

// pdf-lib cannot encrypt, so this is written by hand: a one-page PDF whose trailer names a Standard
// security handler (RC4, revision 2) with a user password. The /U entry does not match the empty
// password, so a reader must ask for one, as for a report saved with "require password to open".
export function makeEncryptedPdf(): Uint8Array {
  const hex = (byte: string) => byte.repeat(32);
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    `<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O <${hex("a1")}> /U <${hex("5c")}> >>`,
  ];
  let body = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  body += offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("");
  const id = "0123456789abcdef0123456789abcdef";
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Encrypt 4 0 R /ID [<${id}> <${id}>] >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(body);
}
