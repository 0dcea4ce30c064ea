import type { AccessStep } from "@/lib/credentialing/access-rule";
import { checklistProgress, STEP_GUIDE } from "@/lib/credentialing/step-guide";
import { DateTime } from "@/components/ui/date-time";

const BADGE: Record<AccessStep["status"], string> = { done: "ok", pending: "pending", missing: "missing", expired: "expired", rejected: "denied", suspended: "denied", revoked: "revoked" };

/** "3 of 6 done" for one version's checklist. */
export function StepsProgress({ steps }: { steps: AccessStep[] }) {
  const { done, total } = checklistProgress(steps);
  return <span className="muted" data-testid="steps-progress">{done} of {total} done</span>;
}

/**
 * One dataset version's checklist as the access rule sees it, step by step: what each step means,
 * where to do it, how long it usually takes, and why a step was rejected (the steward's comment).
 */
export function AccessStepsList({ steps, rejections = {} }: { steps: AccessStep[]; rejections?: Partial<Record<AccessStep["id"], string>> }) {
  return (
    <ol className="steps">
      {steps.map((s) => {
        const guide = STEP_GUIDE[s.id];
        const links = [...(s.link ? [{ label: `open on ${new URL(s.link).hostname}`, href: s.link }] : []), ...guide.where.filter((w) => w.href !== s.link)];
        const why = s.status === "rejected" ? rejections[s.id] : undefined;
        return (
          <li key={s.id} data-step={s.id} data-status={s.status}>
            <strong>{s.title}</strong> <span className={`badge ${BADGE[s.status]}`}>{s.status}</span>
            <div>{s.summary}</div>
            {why && <div className="rejection" data-testid={`rejection-${s.id}`}>Steward&apos;s comment: {why}</div>}
            {s.expiresAt && s.status === "done" && <div className="muted small">Counts until <DateTime value={s.expiresAt} /></div>}
            {s.nextAction && <div className="small">Next: {s.nextAction}</div>}
            <details className="small">
              <summary>What this step is · usually takes {guide.takes}</summary>
              <p>{guide.meaning}</p>
              {links.length > 0 && (
                <p>
                  {links.map((l, i) => (
                    <span key={l.href}>{i > 0 && " · "}<a href={l.href} target="_blank" rel="noreferrer noopener">{l.label}</a></span>
                  ))}
                </p>
              )}
            </details>
          </li>
        );
      })}
    </ol>
  );
}
