import Link from "next/link";
import { AccessStepsList, StepsProgress } from "@/components/credentialing/access-steps-list";
import { DateTime } from "@/components/ui/date-time";
import { ApplicationForm } from "@/components/credentialing/application-form";
import { AttestForm } from "@/components/credentialing/attest-form";
import { DuaForm } from "@/components/credentialing/dua-form";
import { ResponsibleUseText } from "@/components/credentialing/responsible-use-text";
import { TrainingUploadForm } from "@/components/credentialing/training-upload-form";
import { UsernameForm } from "@/components/credentialing/username-form";
import { VerifyForm } from "@/components/credentialing/verify-form";
import { MirrorVerifyForm } from "@/components/credentialing/mirror-verify-form";
import { mirrorLocation } from "@/lib/datasets/physionet-catalogue";
import { memberIdentities } from "@/lib/downloads/mirror/identities";
import { requireUser } from "@/lib/auth/current-user";
import { now } from "@/lib/clock";
import type { AccessStep } from "@/lib/credentialing/access-rule";
import { memberChecklist } from "@/lib/credentialing/member-access";
import { loadMemberRecords } from "@/lib/credentialing/member-records";
import { physionetLinks } from "@/lib/credentialing/physionet-links";
import { RESPONSIBLE_USE } from "@/lib/credentialing/responsible-use";
import { STEP_GUIDE } from "@/lib/credentialing/step-guide";
import { getDb } from "@/lib/db/client";

export const metadata = { title: "Your access checklist · labgate" };

function StepStatus({ step, why }: { step: AccessStep | undefined; why?: string | null }) {
  if (!step) return null;
  const guide = STEP_GUIDE[step.id];
  return (
    <>
      <p data-testid={`status-${step.id}`}>
        <span className={`badge ${step.status === "done" ? "ok" : step.status}`}>{step.status}</span> {step.summary}
      </p>
      {step.status === "rejected" && why && <p className="rejection" data-testid={`rejection-${step.id}`}>Steward&apos;s comment: {why}</p>}
      <p className="small muted">{guide.meaning} Usually takes {guide.takes}.</p>
    </>
  );
}

export default async function CredentialingPage() {
  const user = await requireUser();
  const db = getDb();
  const [checklist, records, identities] = await Promise.all([
    memberChecklist(db, { labId: user.labId, userId: user.id, now: now() }),
    loadMemberRecords(db, { labId: user.labId, userId: user.id }),
    memberIdentities(db, user.id),
  ]);
  // Account, training and credentialing are the member's, not a dataset's: any dataset's step says it.
  const shared = (id: AccessStep["id"]) => checklist.flatMap((c) => c.decision.steps).find((s) => s.id === id);
  const requiredTypes = new Set(checklist.flatMap((c) => c.dataset.requiredTrainings.map((t) => t.type)));
  const uploadTypes = records.trainingTypes.filter((t) => requiredTypes.size === 0 || requiredTypes.has(t.slug));
  // Why the newest submission was rejected, in the steward's words (also sent as a notification).
  const trainingRejection = records.trainings[0]?.status === "rejected" ? records.trainings[0].reviewComment : null;
  const responsibleUse = shared("responsible-use");
  const needsResponsibleUse = responsibleUse !== undefined && responsibleUse.status !== "done";
  const duaRejection = (datasetId: string) => {
    const newest = records.signatures.find((s) => s.datasetId === datasetId);
    return newest?.status === "rejected" ? (newest.reviewComment ?? undefined) : undefined;
  };
  return (
    <>
      <h1>Your access checklist</h1>
      <p className="muted">
        Each dataset version your lab holds opens for you when every step below is done for that exact version and a data steward has
        approved. Everything you record here is kept in the audit log.
      </p>

      <p>
        New here? <Link prefetch={false} href="/help">How access works in this lab</Link>.
      </p>

      <section className="card" aria-labelledby="step-account">
        <h2 id="step-account">1. PhysioNet account</h2>
        <StepStatus step={shared("physionet-account")} />
        <p className="small">
          No account yet? <a href={physionetLinks.register} target="_blank" rel="noreferrer noopener">Register on PhysioNet</a>.
        </p>
        <UsernameForm current={records.username} />
      </section>

      <section className="card" aria-labelledby="step-training">
        <h2 id="step-training">2. CITI training</h2>
        <StepStatus step={shared("training")} why={trainingRejection} />
        {checklist.length > 0 && requiredTypes.size === 0 && (
          <p data-testid="status-training">No dataset version your lab holds requires a training. Credentialing (below) is a separate step.</p>
        )}
        <p className="small">
          Complete the CITI course &quot;Data or Specimens Only Research&quot; (<a href={physionetLinks.citiCourse} target="_blank" rel="noreferrer noopener">PhysioNet&apos;s instructions</a>), then upload its
          <strong> Completion Report</strong> — not the certificate. Only you and the lab&apos;s stewards can open the file.
        </p>
        {records.trainings.length > 0 && (
          <table data-testid="my-trainings">
            <thead>
              <tr><th>Report</th><th>Completed</th><th>Expires (CITI)</th><th>Status</th></tr>
            </thead>
            <tbody>
              {records.trainings.map((t) => (
                <tr key={t.id}>
                  <td><a href={`/api/credentialing/trainings/${t.id}/pdf`} target="_blank" rel="noreferrer">Record {t.recordId}</a> <span className="muted small">{t.learnerName}</span></td>
                  <td data-testid="training-completed"><DateTime value={t.completionDate} /></td>
                  <td data-testid="training-expires"><DateTime value={t.expirationDate} /></td>
                  <td><span className={`badge ${t.status === "accepted" ? "ok" : t.status === "rejected" ? "denied" : "pending"}`}>{t.status}</span>{t.reviewComment && <div className="small">Steward&apos;s comment: {t.reviewComment}</div>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <TrainingUploadForm trainingTypes={uploadTypes} />
      </section>

      <section className="card" aria-labelledby="step-credentialing">
        <h2 id="step-credentialing">3. PhysioNet credentialing</h2>
        <StepStatus step={shared("credentialing")} />
        <p className="small">
          <a href={physionetLinks.credentialApplication} target="_blank" rel="noreferrer noopener">Apply on PhysioNet</a>, then keep the stage and decision here current (PhysioNet shows them under
          <a href={physionetLinks.credentialingSettings} target="_blank" rel="noreferrer noopener"> Settings → Credentialing</a>).
        </p>
        <ApplicationForm current={records.application ? { id: records.application.id, applicationDate: records.application.applicationDate, stage: records.application.stage, decision: records.application.decision, decisionDate: records.application.decisionDate } : null} />
      </section>

      {responsibleUse && (
        <section className="card" aria-labelledby="step-responsible-use">
          <h2 id="step-responsible-use">4. Responsible use of online services</h2>
          <StepStatus step={responsibleUse} />
          <ResponsibleUseText />
          {(responsibleUse.status !== "done" || responsibleUse.nextAction) && (
            <AttestForm kind="responsible_use" label={`I have read the ${RESPONSIBLE_USE.name} (version ${RESPONSIBLE_USE.version}) and will follow it`} button="Attest" />
          )}
        </section>
      )}

      <h2>Dataset versions</h2>
      {checklist.length === 0 && <p className="muted">Your lab holds no datasets yet.</p>}
      {checklist.map(({ dataset, decision }) => {
        const target = `${dataset.slug} ${dataset.version}`;
        const dua = decision.steps.find((s) => s.id === "dua");
        return (
          <section key={dataset.id} className="card" data-testid={`dataset-${dataset.slug}-${dataset.version}`} aria-label={target}>
            <h3>
              {target}{" "}
              {decision.access ? <span className="badge ok" data-testid="access">access</span> : <span className="badge denied" data-testid="access">no access</span>}{" "}
              <StepsProgress steps={decision.steps} />
            </h3>
            <p data-testid="reason">{decision.reason}</p>
            {decision.access && (
              <p><Link prefetch={false} href={`/datasets/${dataset.slug}/${dataset.version}`}>Open {target}</Link></p>
            )}
            <AccessStepsList steps={decision.steps} rejections={{ dua: duaRejection(dataset.id), training: trainingRejection ?? undefined }} />
            {dua && dua.status !== "done" && dua.status !== "pending" && dua.status !== "expired" && (
              <>
                {needsResponsibleUse && <ResponsibleUseText />}
                <DuaForm datasetId={dataset.id} duaLabel={`${dataset.duaName} ${dataset.duaVersion}`} target={target} responsibleUse={needsResponsibleUse} />
              </>
            )}
            {/* The lab's periodic re-confirmation: overdue, or due within the warning period. */}
            {dua && (dua.status === "expired" || (dua.status === "done" && dua.nextAction)) && (
              <AttestForm kind="dua" datasetId={dataset.id} label={`I confirm again that I follow the ${dataset.duaName} ${dataset.duaVersion} for ${target}`} button={`Re-confirm DUA for ${target}`} />
            )}
            <VerifyForm datasetId={dataset.id} target={target} username={records.username} />
            {mirrorLocation(dataset.slug, dataset.version, "aws") && <MirrorVerifyForm datasetId={dataset.id} target={target} current={identities.get(dataset.id) ?? null} />}
          </section>
        );
      })}
    </>
  );
}
