import Link from "next/link";
import { requireRole } from "@/lib/auth/current-user";
import { now } from "@/lib/clock";
import { loadGrantStatuses } from "@/lib/credentialing/grants";
import { expiringPairs } from "@/lib/credentialing/matrix-view";
import { labAccessMatrix } from "@/lib/credentialing/member-access";
import { getDb } from "@/lib/db/client";
import { ExpiringTable } from "@/components/stewardship/expiring-table";
import { StewardNav } from "@/components/stewardship/steward-nav";

const WINDOWS = [30, 60, 90] as const;

export default async function ExpiringPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireRole("steward");
  const asked = Number((await searchParams).days);
  const days = WINDOWS.find((w) => w === asked) ?? 30;
  const at = now();
  const [matrix, grants] = await Promise.all([labAccessMatrix(getDb(), { labId: user.labId, now: at }), loadGrantStatuses(getDb(), { labId: user.labId })]);
  const pairs = expiringPairs(matrix, grants, { now: at, days });
  return (
    <>
      <h1>Expiring soon</h1>
      <StewardNav current="/stewardship/expiring" />
      <div className="card">
        <p className="row">
          {WINDOWS.map((w) =>
            w === days ? (
              <strong key={w} aria-current="true">Next {w} days</strong>
            ) : (
              <Link key={w} href={`/stewardship/expiring?days=${w}`}>Next {w} days</Link>
            ),
          )}
        </p>
        <p className="muted">
          Access that ends by itself (training validity, or a PhysioNet verification standing in for approval) within {days} days. It ends without any
          action; suspend or revoke it sooner here.
        </p>
        <ExpiringTable pairs={pairs} />
      </div>
    </>
  );
}
