import { AccessPolicyForm, TrainingValidityForm } from "@/components/settings/access-policy-form";
import { AddDatasetForm, RetentionForm } from "@/components/settings/dataset-forms";
import { requireRole } from "@/lib/auth/current-user";
import { getAccessPolicySettings } from "@/lib/settings/access-policy";
import { listLabDatasetSettings } from "@/lib/settings/lab-datasets";
import { VersionPairForm } from "@/components/settings/version-pair-form";
import { listVersionPairs } from "@/lib/mimic/pairing/version-pairs";

export const metadata = { title: "Lab settings · labgate" };

export default async function SettingsPage() {
  const user = await requireRole("steward");
  const [policy, held, pairs] = await Promise.all([getAccessPolicySettings(user.labId), listLabDatasetSettings(user.labId), listVersionPairs(user.labId)]);
  const cxrHeld = held.filter((d) => d.slug === "mimic-cxr");
  const jpgHeld = held.filter((d) => d.slug === "mimic-cxr-jpg");
  return (
    <>
      <h1>Lab settings</h1>
      <section className="card" aria-labelledby="policy-heading">
        <h2 id="policy-heading">Access policy</h2>
        <p className="muted small">
          Trainings count from the day a steward accepts them. Changes apply to every member on their next request.
        </p>
        <AccessPolicyForm verificationValidDays={policy.verificationValidDays} warningDays={policy.warningDays} responsibleUseRequired={policy.responsibleUseRequired} reattestMonths={policy.reattestMonths} />
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
        {cxrHeld.length > 0 && jpgHeld.length > 0 && (
          <section aria-labelledby="pairs-heading" data-testid="version-pairs">
            <h3 id="pairs-heading">MIMIC-CXR and MIMIC-CXR-JPG read together</h3>
            <p className="muted small">
              A paired study is one thing: labels, metadata and JPGs from the MIMIC-CXR-JPG version, report and DICOMs from the MIMIC-CXR version,
              joined by study_id and dicom_id. Each part is still shown only to members who hold access to the version it comes from.
            </p>
            {cxrHeld.map((c) => (
              <VersionPairForm key={c.id} cxr={{ id: c.id, version: c.version }} jpgVersions={jpgHeld.map((j) => ({ id: j.id, version: j.version }))} pairedJpgId={pairs.find((p) => p.cxr.id === c.id)?.jpg.id ?? null} />
            ))}
          </section>
        )}
        <h3>Add a dataset version</h3>
        <AddDatasetForm trainingTypes={policy.trainings.map((t) => ({ slug: t.slug, name: t.name }))} />
      </section>
    </>
  );
}
