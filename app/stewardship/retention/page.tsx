import Link from "next/link";
import { requireRole } from "@/lib/auth/current-user";
import { now } from "@/lib/clock";
import { getDb } from "@/lib/db/client";
import { DUE_WARNING_DAYS, listDestructions, listHeldVersions } from "@/lib/retention/held-versions";
import { DecideDestructionForm, RequestDestructionForm } from "@/components/retention/destruction-forms";
import { StewardNav } from "@/components/stewardship/steward-nav";

const day = (d: Date) => d.toISOString().slice(0, 10);

function dueText(daysLeft: number | null, dueAt: Date | null): string {
  if (!dueAt || daysLeft === null) return "No retention period set";
  if (daysLeft <= 0) return `Due since ${day(dueAt)}`;
  return `${day(dueAt)} (in ${daysLeft} ${daysLeft === 1 ? "day" : "days"})`;
}

export default async function RetentionPage() {
  const user = await requireRole("steward");
  const db = getDb();
  const at = now();
  const [held, done] = await Promise.all([listHeldVersions(db, { labId: user.labId, now: at }), listDestructions(db, { labId: user.labId })]);
  return (
    <>
      <h1>Retention</h1>
      <StewardNav current="/stewardship/retention" />
      <div className="card">
        <p className="muted">
          Each version the lab holds is kept for its retention period from the day it was added (set in Settings). Stewards get a task {DUE_WARNING_DAYS} days
          before it ends. Destroying a copy removes every stored file, imported row, thumbnail, staging leftover and cohort, and ends members&apos; access; one
          steward requests it and a different steward or an admin confirms it.
        </p>
        <table>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Held since</th>
              <th scope="col">Retention</th>
              <th scope="col">Due</th>
              <th scope="col">Destruction</th>
            </tr>
          </thead>
          <tbody>
            {held.map((h) => {
              const label = `${h.slug} ${h.version}`;
              return (
                <tr key={h.datasetId} data-testid={`retention-${h.slug}-${h.version}`}>
                  <td>
                    <strong>{label}</strong>
                    <div className="small muted">{h.title}</div>
                  </td>
                  <td>{day(h.heldSince)}</td>
                  <td>{h.retentionDays === null ? "not set" : `${h.retentionDays} days`}</td>
                  <td className={h.daysLeft !== null && h.daysLeft <= DUE_WARNING_DAYS ? "error" : undefined}>{dueText(h.daysLeft, h.dueAt)}</td>
                  <td>
                    {!h.open && <RequestDestructionForm datasetId={h.datasetId} label={label} />}
                    {h.open?.status === "requested" && (
                      <>
                        <p className="small">
                          Requested by {h.open.requestedBy} on {day(h.open.requestedAt)}; waits for a second steward or an admin.
                        </p>
                        <DecideDestructionForm destructionId={h.open.id} label={label} ownRequest={h.open.requestedById === user.id} />
                      </>
                    )}
                    {h.open?.status === "confirmed" && (
                      <p className="small" role="status">
                        Confirmed by {h.open.confirmedBy}; the destruction job is running.
                      </p>
                    )}
                  </td>
                </tr>
              );
            })}
            {held.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  The lab holds no dataset versions.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <div className="card">
        <h2>Destroyed</h2>
        {done.length === 0 ? (
          <p className="muted">No copy has been destroyed.</p>
        ) : (
          <ul>
            {done.map((d) => (
              <li key={d.id}>
                {d.slug} {d.version}: destroyed {d.destroyedAt ? day(d.destroyedAt) : ""}, {d.fileCount?.toLocaleString("en-US")} files ·{" "}
                <Link href={`/stewardship/retention/${d.id}/attestation`}>Attestation</Link>
              </li>
            ))}
          </ul>
        )}
      </div>
    </>
  );
}
