import { AppError } from "@/lib/http/errors";
import { readPdfText, type PdfText } from "./pdf-text";

// Reads a CITI Program PDF the way a PhysioNet reviewer does: it must be the Completion *Report*
// (verify link "?k…"), not the Completion *Certificate* ("?w…"), for the expected course, with a
// completion date that is not in the future. Nothing here touches storage or the database, so a
// refused file leaves no trace.

export const MAX_CITI_PDF_BYTES = 5 * 1024 * 1024;
export const CITI_COURSE = "Data or Specimens Only Research";
const MAX_PAGES = 10;

export type CitiReadErrorReason =
  | "empty"
  | "too_large"
  | "not_pdf"
  | "encrypted"
  | "unreadable"
  | "no_text"
  | "not_citi"
  | "certificate"
  | "missing_fields"
  | "inconsistent"
  | "wrong_course"
  | "future_completion"
  | "expiry_before_completion";

/** Why an upload was refused; `message` is written for the member and safe to show as is. */
export type CitiReadError = { reason: CitiReadErrorReason; message: string };

export type CitiReport = {
  kind: "report";
  learnerName: string;
  institution: string | null;
  curriculumGroup: string | null;
  courseLearnerGroup: string | null;
  /** The group that names the course, e.g. "Data or Specimens Only Research". */
  course: string;
  stage: string | null;
  recordId: string;
  /** ISO dates (YYYY-MM-DD) as printed on the report. */
  completionDate: string;
  expirationDate: string | null;
  verificationUrl: string;
};

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DATE = String.raw`\d{1,2}-[A-Za-z]{3}-\d{4}|[A-Za-z]{3,9}\.? \d{1,2}, \d{4}|\d{4}-\d{2}-\d{2}`;
const VERIFY = /(?:https?:\/\/)?(?:www\.)?citiprogram\.org\/verify\/\?([kw])([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(\d+)/i;
const DAY_MS = 86_400_000;

const PDF_PROBLEMS: Record<Exclude<PdfText["problem"], null>, [CitiReadErrorReason, string]> = {
  encrypted: ["encrypted", "This PDF is password-protected. Download the Completion Report from CITI again and upload it without a password."],
  unreadable: ["unreadable", "This PDF could not be read; it may be damaged. Download the Completion Report from CITI again and upload that file."],
  too_many_pages: ["not_citi", "This PDF has too many pages to be a CITI Completion Report. Upload only the report for the course."],
};

// Thrown only inside this module and turned into a CitiReadResult by readCitiPdf.
class Refusal extends Error {
  constructor(readonly error: CitiReadError) {
    super(error.message);
  }
}

const fail = (reason: CitiReadErrorReason, message: string): never => {
  throw new Refusal({ reason, message });
};

function isoDate(text: string): string | null {
  const t = text.trim();
  let y: number, m: number, d: number;
  let match = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(t);
  if (match) [d, m, y] = [Number(match[1]), MONTHS.indexOf(match[2]!.toLowerCase()), Number(match[3])];
  else if ((match = /^([A-Za-z]{3})[A-Za-z]*\.? (\d{1,2}), (\d{4})$/.exec(t))) [m, d, y] = [MONTHS.indexOf(match[1]!.toLowerCase()), Number(match[2]), Number(match[3])];
  else if ((match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t))) [y, m, d] = [Number(match[1]), Number(match[2]) - 1, Number(match[3])];
  else return null;
  const date = new Date(Date.UTC(y, m, d));
  if (m < 0 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m || date.getUTCDate() !== d) return null;
  return date.toISOString().slice(0, 10);
}

function field(lines: string[], label: string): string | null {
  const re = new RegExp(String.raw`^(?:[•·▪*-]\s*)?${label}\s*:\s*(.+)$`, "i");
  for (const line of lines) {
    const m = re.exec(line);
    if (m) return m[1]!.replace(/\s*\(ID:\s*\d+\)\s*$/i, "").trim() || null;
  }
  return null;
}

const normalize = (s: string) => s.toLowerCase().replace(/\s+/g, " ").trim();

export type CitiReadResult = { ok: true; report: CitiReport } | { ok: false; error: CitiReadError };

/**
 * Reads the bytes of an uploaded CITI PDF. A file that is not an acceptable Completion Report comes
 * back as `{ ok: false, error }` with a message for the member; nothing is thrown for bad input.
 * `now` decides what "in the future" means; `expectedCourse` defaults to CITI_COURSE (the dataset's
 * training type may name another).
 */
export async function readCitiPdf(bytes: Uint8Array, opts: { now: Date; expectedCourse?: string }): Promise<CitiReadResult> {
  try {
    return { ok: true, report: await parse(bytes, opts) };
  } catch (e) {
    if (e instanceof Refusal) return { ok: false, error: e.error };
    throw e;
  }
}

/** For route handlers and server actions that answer with AppError: 413 for size, 400 otherwise. */
export function citiReadErrorToAppError(error: CitiReadError): AppError {
  return new AppError(error.reason === "too_large" ? "too_large" : "bad_request", error.message, { file: [error.message] });
}

async function parse(bytes: Uint8Array, opts: { now: Date; expectedCourse?: string }): Promise<CitiReport> {
  if (bytes.byteLength === 0) fail("empty", "The file is empty. Choose the Completion Report PDF you downloaded from CITI.");
  if (bytes.byteLength > MAX_CITI_PDF_BYTES) fail("too_large", `The file is larger than ${MAX_CITI_PDF_BYTES / 1024 / 1024} MB; a CITI Completion Report is much smaller. Upload the PDF downloaded from CITI.`);
  // The PDF header may sit anywhere in the first 1024 bytes (ISO 32000-1, 7.5.2).
  if (!Buffer.from(bytes.subarray(0, 1024)).includes("%PDF-")) fail("not_pdf", "This file is not a PDF. Upload the CITI Completion Report as the PDF you downloaded from CITI.");

  const pdf = await readPdfText(bytes, { maxPages: MAX_PAGES });
  if (pdf.problem !== null) {
    const [reason, message] = PDF_PROBLEMS[pdf.problem];
    return fail(reason, message);
  }
  const { lines, links } = pdf;
  if (lines.length === 0) fail("no_text", "No text could be read from this PDF (is it a scan or a photo?). Upload the PDF downloaded from CITI, not a scan.");
  const text = lines.join("\n");
  if (!/citi\s*program|citiprogram\.org|collaborative institutional training initiative/i.test(text)) {
    fail("not_citi", `This PDF is not a CITI Program document. Upload the CITI Completion Report for the "${opts.expectedCourse ?? CITI_COURSE}" course.`);
  }

  // The printed link and the clickable one must both say "report": a "?w" anywhere is a certificate.
  const verifyLinks = [...lines.map((l) => VERIFY.exec(l.replace(/\s+/g, ""))), ...links.map((l) => VERIFY.exec(l))].filter((m) => m !== null);
  const verify = verifyLinks.find((m) => m[1]!.toLowerCase() === "k") ?? null;
  const isCertificate =
    verifyLinks.length > 0 ? verifyLinks.some((m) => m[1]!.toLowerCase() === "w") : /this is to certify that|completion certificate/i.test(text) && !/completion report/i.test(text);
  if (isCertificate) {
    fail(
      "certificate",
      "This is a CITI Completion Certificate. PhysioNet requires the Completion Report instead: the document that lists every module with its date and score, whose verification link contains \"?k\". In CITI, open \"View-Print-Share\" for the course and download the Completion Report.",
    );
  }

  const learnerName = field(lines, "Name");
  const institution = field(lines, "Institution Affiliation");
  const curriculumGroup = field(lines, "Curriculum Group");
  const learnerGroup = field(lines, "Course Learner Group");
  const courseLearnerGroup = learnerGroup && /^same as curriculum group$/i.test(learnerGroup) ? curriculumGroup : learnerGroup;
  const stage = field(lines, "Stage");
  const recordId = field(lines, "Record ID")?.match(/^\d+/)?.[0] ?? verify?.[3] ?? null;
  const completionText = field(lines, "Completion Date");
  const expirationText = field(lines, "Expiration Date");
  const completionDate = completionText?.match(new RegExp(DATE))?.[0];
  const expirationDate = expirationText?.match(new RegExp(DATE))?.[0];

  const expected = opts.expectedCourse ?? CITI_COURSE;
  const groups = [courseLearnerGroup, curriculumGroup].filter((g): g is string => g !== null);
  const course = groups.find((g) => normalize(g).includes(normalize(expected))) ?? groups[0] ?? null;

  const missing = [
    !learnerName && "learner name",
    !course && "course (curriculum group)",
    !completionDate && "completion date",
    !recordId && "record ID",
    !verify && "verification link (\"Verify at www.citiprogram.org/verify/?k…\")",
  ].filter((m): m is string => Boolean(m));
  if (missing.length > 0) {
    fail("missing_fields", `This does not look like a complete CITI Completion Report: the ${missing.join(", ")} could not be found. Upload the unmodified PDF downloaded from CITI.`);
  }
  // CITI ends the verification code with the record ID; a mismatch means the text was edited.
  if (verify![3] !== recordId) {
    fail("inconsistent", `The record ID on this report (${recordId}) does not match its verification link (${verify![3]}). Upload the report exactly as CITI issued it.`);
  }
  if (!normalize(course!).includes(normalize(expected))) {
    fail("wrong_course", `This report is for "${course}", but the lab requires the CITI course "${expected}". Complete that course in CITI and upload its Completion Report.`);
  }

  const completion = isoDate(completionDate!);
  if (!completion) return fail("missing_fields", `The completion date "${completionDate}" on this report is not a valid date.`);
  const expiration = expirationDate ? isoDate(expirationDate) : null;
  if (expirationDate && !expiration) fail("missing_fields", `The expiration date "${expirationDate}" on this report is not a valid date.`);
  // One day of grace: a report completed "today" east of UTC is dated tomorrow in UTC.
  if (Date.parse(completion) > opts.now.getTime() + DAY_MS) {
    fail("future_completion", `The completion date on this report (${completion}) is in the future. Upload the report exactly as CITI issued it.`);
  }
  if (expiration && expiration <= completion) {
    fail("expiry_before_completion", `The expiration date on this report (${expiration}) is not after its completion date (${completion}). Upload the report exactly as CITI issued it.`);
  }

  return {
    kind: "report",
    learnerName: learnerName!,
    institution,
    curriculumGroup,
    courseLearnerGroup,
    course: course!,
    stage,
    recordId: recordId!,
    completionDate: completion,
    expirationDate: expiration,
    verificationUrl: `https://www.citiprogram.org/verify/?${verify![1]!.toLowerCase()}${verify![2]!.toLowerCase()}-${verify![3]}`,
  };
}
