import { MAX_CITI_PDF_BYTES } from "@/lib/credentialing/citi-report";
import { submitTraining } from "@/lib/credentialing/submit-training";
import { AppError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";

// Multipart upload of the CITI Completion Report (field "file"); the size is checked from the
// header before the body is read, and again on the bytes.
const MULTIPART_OVERHEAD = 64 * 1024;
const TOO_LARGE = `The file is larger than ${MAX_CITI_PDF_BYTES / 1024 / 1024} MB; a CITI Completion Report is much smaller. Upload the PDF downloaded from CITI.`;

export const POST = route({ access: "member" }, async ({ req, user, ip }) => {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_CITI_PDF_BYTES + MULTIPART_OVERHEAD) throw new AppError("too_large", TOO_LARGE, { file: [TOO_LARGE] });
  if (!req.headers.get("content-type")?.startsWith("multipart/form-data")) throw new AppError("bad_request", "Upload the report as a file (multipart form)", { file: ["Choose a PDF file"] });
  const form = await req.formData().catch(() => {
    throw new AppError("bad_request", "The upload could not be read; try again", { file: ["The upload could not be read"] });
  });
  const file = form.get("file");
  if (!(file instanceof File) || file.size === 0) throw new AppError("bad_request", "Choose the Completion Report PDF to upload", { file: ["Choose a PDF file"] });
  if (file.size > MAX_CITI_PDF_BYTES) throw new AppError("too_large", TOO_LARGE, { file: [TOO_LARGE] });
  const trainingType = String(form.get("trainingType") ?? "citi-data-or-specimens");
  const bytes = new Uint8Array(await file.arrayBuffer());
  return submitTraining({ actor: user, trainingType, bytes, ip });
});
