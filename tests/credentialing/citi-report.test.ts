import { PDFDocument, PDFString } from "pdf-lib";
import { extractLinks, extractText, getDocumentProxy } from "unpdf";
import { describe, expect, test } from "vitest";
import { CITI_COURSE, MAX_CITI_PDF_BYTES, citiReadErrorToAppError, readCitiPdf, type CitiReadErrorReason, type CitiReadResult } from "@/lib/credentialing/citi-report";
import { makeBlankPdf, makeCitiPdf, makeCorruptPdf, makeEncryptedPdf, makePlainPdf, type CitiPdfOptions } from "@/tests/support/citi-pdf";

const NOW = new Date("2025-06-01T12:00:00Z");
const utc = (iso: string) => new Date(`${iso}T00:00:00Z`);

async function read(options: CitiPdfOptions = {}, now = NOW): Promise<CitiReadResult> {
  return readCitiPdf(await makeCitiPdf(options), { now });
}

async function refusal(bytes: Uint8Array | Promise<Uint8Array>, now = NOW) {
  const result = await readCitiPdf(await bytes, { now });
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.report)}`);
  return result.error;
}

describe("a CITI Completion Report", () => {
  test("is accepted for review with every field read", async () => {
    const result = await read();
    expect(result).toEqual({
      ok: true,
      report: {
        kind: "report",
        learnerName: "Ana Souza",
        institution: "Massachusetts Institute of Technology Affiliates",
        curriculumGroup: "Human Research",
        courseLearnerGroup: CITI_COURSE,
        course: CITI_COURSE,
        stage: "Stage 1 - Basic Course",
        recordId: "45678901",
        completionDate: "2025-03-03",
        expirationDate: "2028-03-02",
        verificationUrl: "https://www.citiprogram.org/verify/?k3f9c2a71-5b0e-4d8a-9c61-2e7f0a4b8d15-45678901",
      },
    });
  });

  test("reads the other fields it is given, including 'Same as Curriculum Group'", async () => {
    const result = await read({
      name: "Jean-Luc O'Brien Nakamura",
      curriculumGroup: "Data or Specimens Only Research",
      courseLearnerGroup: "Same as Curriculum Group",
      recordId: "60000017",
      verifyCode: "0badc0de-1111-4222-8333-444455556666",
      completionDate: utc("2024-12-31"),
      expirationDate: null,
      withTranscript: false,
    });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.report).toMatchObject({
      learnerName: "Jean-Luc O'Brien Nakamura",
      course: CITI_COURSE,
      courseLearnerGroup: CITI_COURSE,
      recordId: "60000017",
      completionDate: "2024-12-31",
      expirationDate: null,
      verificationUrl: "https://www.citiprogram.org/verify/?k0badc0de-1111-4222-8333-444455556666-60000017",
    });
  });

  test("finds the verification link in the clickable annotation when the printed line lacks it", async () => {
    const result = await read({ verifyLinkAs: "annotation" });
    expect(result.ok && result.report.verificationUrl).toBe("https://www.citiprogram.org/verify/?k3f9c2a71-5b0e-4d8a-9c61-2e7f0a4b8d15-45678901");
  });

  test("finds the verification link in the printed text alone", async () => {
    const result = await read({ verifyLinkAs: "text" });
    expect(result.ok && result.report.verificationUrl).toMatch(/\?k3f9c2a71-/);
  });

  test("reads dates printed as 'March 3, 2025' too", async () => {
    const result = await read({ completionDate: "March 3, 2025", expirationDate: "Mar 2, 2028" });
    expect(result.ok && [result.report.completionDate, result.report.expirationDate]).toEqual(["2025-03-03", "2028-03-02"]);
  });

  test("completed today (or tomorrow in UTC, east of Greenwich) is accepted", async () => {
    expect((await read({ completionDate: utc("2025-06-01") })).ok).toBe(true);
    expect((await read({ completionDate: utc("2025-06-02") })).ok).toBe(true);
  });
});

describe("refused uploads say why", () => {
  const cases: { name: string; bytes: () => Promise<Uint8Array> | Uint8Array; reason: CitiReadErrorReason; message: RegExp }[] = [
    { name: "an empty file", bytes: () => new Uint8Array(), reason: "empty", message: /empty/ },
    { name: "a PNG", bytes: () => new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), reason: "not_pdf", message: /not a PDF/ },
    { name: "a text file", bytes: () => new TextEncoder().encode("Completion Report\nName: Ana Souza\n"), reason: "not_pdf", message: /not a PDF/ },
    { name: "a damaged PDF", bytes: makeCorruptPdf, reason: "unreadable", message: /could not be read/ },
    { name: "a password-protected PDF", bytes: makeEncryptedPdf, reason: "encrypted", message: /password-protected/ },
    { name: "a scan without text", bytes: makeBlankPdf, reason: "no_text", message: /scan/ },
    { name: "a PDF that is not from CITI", bytes: () => makePlainPdf(), reason: "not_citi", message: /not a CITI Program document.*Data or Specimens Only Research/ },
    {
      name: "a Completion Certificate",
      bytes: () => makeCitiPdf({ kind: "certificate" }),
      reason: "certificate",
      message: /Completion Certificate\. PhysioNet requires the Completion Report.*\?k/,
    },
    {
      name: "a certificate whose verify link is missing",
      bytes: () => makeCitiPdf({ kind: "certificate", verifyLink: null }),
      reason: "certificate",
      message: /Completion Certificate/,
    },
    {
      name: "a report whose link was edited to ?w",
      bytes: () => makeCitiPdf({ verifyLink: "www.citiprogram.org/verify/?w3f9c2a71-5b0e-4d8a-9c61-2e7f0a4b8d15-45678901" }),
      reason: "certificate",
      message: /Completion Certificate/,
    },
    {
      name: "another course",
      bytes: () => makeCitiPdf({ courseLearnerGroup: "Biomedical Research - Basic/Refresher" }),
      reason: "wrong_course",
      message: /"Biomedical Research - Basic\/Refresher".*"Data or Specimens Only Research"/,
    },
    {
      name: "a report whose record ID does not match its link",
      bytes: () => makeCitiPdf({ recordId: "45678902", verifyLink: "www.citiprogram.org/verify/?k3f9c2a71-5b0e-4d8a-9c61-2e7f0a4b8d15-45678901" }),
      reason: "inconsistent",
      message: /record ID on this report \(45678902\) does not match its verification link \(45678901\)/,
    },
    {
      name: "a certificate whose printed link was edited to ?k but whose clickable link says ?w",
      bytes: async () => {
        // Two links: the printed one edited, the annotation left as CITI made it.
        const doc = await PDFDocument.load(await makeCitiPdf({ verifyLink: "www.citiprogram.org/verify/?k3f9c2a71-5b0e-4d8a-9c61-2e7f0a4b8d15-45678901", verifyLinkAs: "text" }));
        const page = doc.getPage(0);
        const annotation = doc.context.obj({ Type: "Annot", Subtype: "Link", Rect: [50, 50, 300, 60], A: { Type: "Action", S: "URI", URI: PDFString.of("https://www.citiprogram.org/verify/?w3f9c2a71-5b0e-4d8a-9c61-2e7f0a4b8d15-45678901") } });
        page.node.addAnnot(doc.context.register(annotation));
        return doc.save();
      },
      reason: "certificate",
      message: /Completion Certificate/,
    },
    {
      name: "a PDF with more pages than any CITI report",
      bytes: async () => {
        const doc = await PDFDocument.load(await makeCitiPdf());
        for (let i = 0; i < 9; i++) doc.addPage();
        return doc.save();
      },
      reason: "not_citi",
      message: /too many pages/,
    },
    { name: "a report without a name", bytes: () => makeCitiPdf({ name: null }), reason: "missing_fields", message: /learner name/ },
    { name: "a report without a completion date", bytes: () => makeCitiPdf({ completionDate: null }), reason: "missing_fields", message: /completion date/ },
    { name: "a report without a verify link", bytes: () => makeCitiPdf({ verifyLink: null }), reason: "missing_fields", message: /verification link/ },
    {
      name: "a report without a course",
      bytes: () => makeCitiPdf({ curriculumGroup: null, courseLearnerGroup: null }),
      reason: "missing_fields",
      message: /course/,
    },
    { name: "an impossible date", bytes: () => makeCitiPdf({ completionDate: "31-Feb-2025" }), reason: "missing_fields", message: /"31-Feb-2025".*not a valid date/ },
    { name: "completion in the future", bytes: () => makeCitiPdf({ completionDate: utc("2025-06-03") }), reason: "future_completion", message: /2025-06-03\) is in the future/ },
    {
      name: "expiry before completion",
      bytes: () => makeCitiPdf({ completionDate: utc("2025-03-03"), expirationDate: utc("2024-03-03") }),
      reason: "expiry_before_completion",
      message: /expiration date on this report \(2024-03-03\) is not after its completion date \(2025-03-03\)/,
    },
    {
      name: "expiry on the completion day",
      bytes: () => makeCitiPdf({ completionDate: utc("2025-03-03"), expirationDate: utc("2025-03-03") }),
      reason: "expiry_before_completion",
      message: /not after/,
    },
  ];

  test.each(cases)("$name → $reason", async ({ bytes, reason, message }) => {
    const error = await refusal(bytes());
    expect(error.reason).toBe(reason);
    expect(error.message).toMatch(message);
  });

  test("an oversized file is refused by size before it is parsed", async () => {
    // Not a PDF at all: the size check must answer before the PDF check or the parser runs.
    const error = await refusal(new Uint8Array(MAX_CITI_PDF_BYTES + 1));
    expect(error).toEqual({ reason: "too_large", message: expect.stringMatching(/larger than 5 MB/) });
    expect(MAX_CITI_PDF_BYTES).toBe(5 * 1024 * 1024);
  });

  test("a report padded to exactly the limit is still read", async () => {
    const pdf = await makeCitiPdf();
    const padded = new Uint8Array(MAX_CITI_PDF_BYTES);
    padded.set(pdf);
    // Trailing zero bytes after %%EOF are ignored by PDF readers.
    expect((await readCitiPdf(padded, { now: NOW })).ok).toBe(true);
  });

  test("the same report is in the future for an earlier clock", async () => {
    const bytes = await makeCitiPdf({ completionDate: utc("2025-03-03") });
    expect((await readCitiPdf(bytes, { now: new Date("2025-03-01T12:00:00Z") })).ok).toBe(false);
    expect((await readCitiPdf(bytes, { now: new Date("2025-03-02T12:00:00Z") })).ok).toBe(true);
  });

  test("a lab may expect another course", async () => {
    const bytes = await makeCitiPdf({ courseLearnerGroup: "Biomedical Research - Basic/Refresher" });
    const result = await readCitiPdf(bytes, { now: NOW, expectedCourse: "Biomedical Research" });
    expect(result.ok && result.report.course).toBe("Biomedical Research - Basic/Refresher");
  });

  test("the caller's buffer is left intact", async () => {
    const bytes = await makeCitiPdf();
    const copy = bytes.slice();
    await readCitiPdf(bytes, { now: NOW });
    expect(bytes).toEqual(copy);
  });

  test("errors map to 400 and 413 field errors for route handlers", () => {
    const big = citiReadErrorToAppError({ reason: "too_large", message: "too big" });
    expect([big.status, big.fieldErrors]).toEqual([413, { file: ["too big"] }]);
    expect(citiReadErrorToAppError({ reason: "certificate", message: "no" }).status).toBe(400);
  });
});

describe("the synthetic generator", () => {
  test("writes identical bytes for identical options, different bytes for different ones", async () => {
    expect(await makeCitiPdf()).toEqual(await makeCitiPdf());
    expect(await makeCitiPdf({ recordId: "1" })).not.toEqual(await makeCitiPdf());
  });

  test("a certificate's clickable verify link uses ?w and a report's ?k", async () => {
    const links = async (b: Uint8Array) => (await extractLinks(await getDocumentProxy(b))).links;
    expect(await links(await makeCitiPdf({ kind: "certificate" }))).toEqual(["https://www.citiprogram.org/verify/?w3f9c2a71-5b0e-4d8a-9c61-2e7f0a4b8d15-45678901"]);
    expect(await links(await makeCitiPdf({ withTranscript: false }))).toEqual(["https://www.citiprogram.org/verify/?k3f9c2a71-5b0e-4d8a-9c61-2e7f0a4b8d15-45678901"]);
    expect(await links(await makeCitiPdf({ verifyLinkAs: "text" }))).toEqual([]);
  });

  test("a report has two parts, each naming the course, dates and record", async () => {
    const { text } = await extractText(await getDocumentProxy(await makeCitiPdf()), { mergePages: false });
    expect(text).toHaveLength(2);
    for (const [i, page] of text.entries()) {
      expect(page).toContain(`COMPLETION REPORT - PART ${i + 1} OF 2`);
      expect(page).toMatch(/Course Learner Group: Data or Specimens Only Research/);
      expect(page).toMatch(/Completion Date: 03-Mar-2025/);
      expect(page).toMatch(/Record ID: 45678901/);
    }
  });
});
