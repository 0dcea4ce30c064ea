import { recordAudit } from "@/lib/audit/record";
import { requireRole } from "@/lib/auth/current-user";
import { getDb } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { runDoctor } from "@/lib/ops/doctor";
import { getStorage } from "@/lib/storage/get-storage";

export const metadata = { title: "Doctor · labgate" };

// The same checks as `npm run doctor`, run on each visit.
export default async function DoctorPage() {
  const user = await requireRole("admin");
  const checks = await runDoctor({ db: getDb(), env: getEnv(), storage: getStorage() });
  const failed = checks.filter((c) => !c.ok).length;
  await recordAudit(getDb(), { action: "admin.doctor", labId: user.labId, actor: user, details: { failed } });
  return (
    <>
      <h1>Doctor</h1>
      <p>{failed === 0 ? "Everything checked is ok." : `${failed} check${failed === 1 ? "" : "s"} failed.`} The same checks run from the server with <code>npm run doctor</code>.</p>
      {/* In a card, which scrolls sideways on a phone instead of widening the page. */}
      <div className="card">
        <table data-testid="doctor-checks">
          <thead><tr><th>Check</th><th>State</th><th>Detail</th><th>Fix</th></tr></thead>
          <tbody>
            {checks.map((c) => (
              <tr key={c.name} data-check={c.name}>
                <td>{c.name}</td>
                <td className={c.ok ? "ok" : "error"}>{c.skipped ? "skipped" : c.ok ? "ok" : "failed"}</td>
                <td>{c.detail}</td>
                <td>{c.ok && !c.skipped ? "" : (c.fix ?? "")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
