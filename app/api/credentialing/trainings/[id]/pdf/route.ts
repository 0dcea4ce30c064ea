import { readTrainingPdf } from "@/lib/credentialing/submit-training";
import { AppError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { uuidSchema } from "@/lib/validation";

// The member's own CITI report, or any member's for a steward of the same lab; shown inline, never
// cached, audited on every read.
export const GET = route<"member", undefined, { id: string }>({ access: "member" }, async ({ user, params, ip }) => {
  const id = uuidSchema.safeParse(params.id);
  if (!id.success) throw new AppError("not_found", "No such training report");
  const pdf = await readTrainingPdf({ actor: user, trainingId: id.data, ip });
  return new Response(new Uint8Array(pdf.bytes), {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": `inline; filename="citi-report-${pdf.recordId}.pdf"`,
      "Cache-Control": "no-store, private",
      "Content-Length": String(pdf.bytes.byteLength),
    },
  });
});
