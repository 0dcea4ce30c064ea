import type { AccessStep } from "@/lib/credentialing/access-rule";

const BADGE: Record<AccessStep["status"], string> = { done: "ok", pending: "pending", missing: "missing", expired: "expired", rejected: "denied", suspended: "denied", revoked: "revoked" };
const day = (d: Date) => d.toISOString().slice(0, 10);

/** One dataset version's checklist as the access rule sees it, step by step. */
export function AccessStepsList({ steps }: { steps: AccessStep[] }) {
  return (
    <ol className="steps">
      {steps.map((s) => (
        <li key={s.id} data-step={s.id} data-status={s.status}>
          <strong>{s.title}</strong> <span className={`badge ${BADGE[s.status]}`}>{s.status}</span>
          <div>{s.summary}</div>
          {s.expiresAt && s.status === "done" && <div className="muted small">Counts until {day(s.expiresAt)}</div>}
          {s.nextAction && (
            <div className="small">
              Next: {s.nextAction}
              {s.link && (
                <>
                  {" "}
                  — <a href={s.link} target="_blank" rel="noreferrer noopener">open on {new URL(s.link).hostname}</a>
                </>
              )}
            </div>
          )}
        </li>
      ))}
    </ol>
  );
}
