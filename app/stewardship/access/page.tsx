import { requireRole } from "@/lib/auth/current-user";
import { now } from "@/lib/clock";
import { loadMatrixView, parseMatrixFilter } from "@/lib/credentialing/matrix-csv";
import { getDb } from "@/lib/db/client";
import { AccessMatrix } from "@/components/stewardship/access-matrix";
import { StewardNav } from "@/components/stewardship/steward-nav";

export default async function AccessMatrixPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireRole("steward");
  const [view, filter] = await Promise.all([loadMatrixView(getDb(), { labId: user.labId, now: now() }), searchParams.then(parseMatrixFilter)]);
  return (
    <>
      <h1>Access matrix</h1>
      <StewardNav current="/stewardship/access" />
      <div className="card">
        <p className="muted">
          Every active member against every dataset version the lab holds, decided by the same rule that guards each request: a change here applies
          from the member&apos;s next request.
        </p>
        {view.datasets.length === 0 ? <p>The lab holds no dataset yet.</p> : <AccessMatrix view={view} initialFilter={filter} />}
      </div>
    </>
  );
}
