import { AccessPolicyForm, TrainingValidityForm } from "@/components/settings/access-policy-form";
import { AddDatasetForm, RetentionForm } from "@/components/settings/dataset-forms";
import { requireRole } from "@/lib/auth/current-user";
import { getAccessPolicySettings } from "@/lib/settings/access-policy";
import { listLabDatasetSettings } from "@/lib/settings/lab-datasets";

export const metadata = { title: "Lab settings · labgate" };

export default async function SettingsPage() {
  const user = await requireRole("steward");
  const [policy, held] = await Promise.all([getAccessPolicySettings(user.labId), listLabDatasetSettings(user.labId)]);
  return (
    <>
      <h1>Lab settings</h1>
      <section className="card" aria-labelledby="policy-heading">
        <h2 id="policy-heading">Access policy</h2>
        <p className="muted small">
          Trainings count from the day a steward accepts them. Changes apply to every member on their next request.
        </p>
        <AccessPolicyForm verificationValidDays={policy.verificationValidDays} warningDays={policy.warningDays} />
        {policy.trainings.map((t) => (
          <TrainingValidityForm key={t.slug} trainingType={t.slug} name={t.name} validityDays={t.validityDays} />
        ))}
      </section>
      <section className="card" aria-labelledby="datasets-heading">
        <h2 id="datasets-heading">Dataset versions the lab holds</h2>
        <table data-testid="lab-datasets">
          <thead>
            <tr><th>Dataset</th><th>Policy</th><th>Training</th><th>DUA</th><th>Retention (days)</th></tr>
          </thead>
          <tbody>
            {held.map((d) => (
              <tr key={d.id}>
                <td><strong>{d.slug} {d.version}</strong><div className="small muted">{d.title}</div></td>
                <td>{d.accessPolicy}<div className="small muted">{d.fixedByCatalogue ? "fixed by PhysioNet" : "not in labgate's catalogue: treated as credentialed"}</div></td>
                <td>{d.requiredTrainingTypes.join(", ") || "—"}</td>
                <td>{d.duaName ? `${d.duaName} ${d.duaVersion}` : "—"}</td>
                <td><RetentionForm datasetId={d.id} retentionDays={d.retentionDays} label={`${d.slug} ${d.version}`} /></td>
              </tr>
            ))}
          </tbody>
        </table>
        <h3>Add a dataset version</h3>
        <AddDatasetForm trainingTypes={policy.trainings.map((t) => ({ slug: t.slug, name: t.name }))} />
      </section>
    </>
  );
}
