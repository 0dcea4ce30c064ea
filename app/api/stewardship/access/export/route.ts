import { recordAudit } from "@/lib/audit/record";
import { now } from "@/lib/clock";
import { loadMatrixView, matrixCsv, parseHiddenColumns, parseMatrixFilter } from "@/lib/credentialing/matrix-csv";
import { getDb } from "@/lib/db/client";
import { route } from "@/lib/http/route";

// The access matrix as CSV, with the page's filters: the same rows and cell texts as on screen.
export const GET = route({ access: "steward" }, async ({ req, user, ip }) => {
  const params = Object.fromEntries(req.nextUrl.searchParams);
  const filter = parseMatrixFilter(params);
  const hidden = parseHiddenColumns(params);
  const at = now();
  const view = await loadMatrixView(getDb(), { labId: user.labId, now: at });
  const { csv, rows } = matrixCsv(view, filter, hidden);
  await recordAudit(getDb(), {
    action: "access_matrix.export",
    labId: user.labId,
    actor: user,
    ip,
    details: { rows, datasets: view.datasets.length, q: filter.q ?? null, status: filter.status ?? null, datasetId: filter.datasetId ?? null, hidden: [...hidden].join(",") || null },
  });
  return new Response(csv, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="labgate-access-matrix-${at.toISOString().slice(0, 10)}.csv"`,
      "cache-control": "no-store, private",
    },
  });
});
