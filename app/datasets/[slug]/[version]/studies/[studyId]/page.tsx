import { headers } from "next/headers";
import Link from "next/link";
import { notFound } from "next/navigation";
import { recordAudit } from "@/lib/audit/record";
import { requireDatasetAccess } from "@/lib/auth/dataset-access";
import { getDb } from "@/lib/db/client";
import { EarlyImageFetch } from "@/components/viewer/early-image-fetch";
import { pickImage, previewUrl } from "@/components/viewer/first-image";
import { StudyImages } from "@/components/viewer/study-images";
import { getStudy } from "@/lib/mimic/browse/get-study";
import { LABELS } from "@/lib/mimic/import/file-specs";
import type { LabelState } from "@/lib/mimic/tokens";

type Props = { params: Promise<{ slug: string; version: string; studyId: string }> };

const STATE_TEXT: Record<LabelState, string> = { positive: "positive (1.0)", negative: "negative (0.0)", uncertain: "uncertain (−1.0)", "not-mentioned": "not mentioned" };

export default async function StudyPage({ params }: Props) {
  const { user, dataset } = await requireDatasetAccess(await params);
  const { studyId: raw } = await params;
  const studyId = /^s?\d{1,9}$/.test(raw) ? Number(raw.replace(/^s/, "")) : NaN;
  if (!Number.isSafeInteger(studyId)) notFound();
  const study = await getStudy({ datasetId: dataset.id, studyId });
  if (!study) notFound();
  await recordAudit(getDb(), {
    action: study.report ? "study.view_report" : "study.view",
    labId: user.labId,
    actor: user,
    target: { type: "study", id: String(study.studyId) },
    details: { dataset: `${dataset.slug}/${dataset.version}`, subjectId: study.subjectId },
  });
  const base = `/datasets/${dataset.slug}/${dataset.version}`;
  const imageRoute = `/api${base}/images`;
  // The viewer opens this image by itself: its preview, an <img> in the viewer, is fetched as soon as
  // the HTML is parsed, and the file's download starts after it, before the page's scripts run.
  const firstImage = study.images.find((i) => i.dicomId === pickImage(study.images, null));
  const first = firstImage ? { src: `${imageRoute}/${encodeURIComponent(firstImage.dicomId)}`, image: firstImage } : null;
  const nonce = (await headers()).get("x-nonce") ?? undefined;
  const labelSets = ([["CheXpert", study.labels.chexpert], ["NegBio", study.labels.negbio], ["Test set (radiologists)", study.labels.test]] as const).filter(([, v]) => v !== null);

  return (
    <>
      <p><Link prefetch={false} href={base}>← {dataset.title} {dataset.version}</Link></p>
      <h1 data-testid="study-heading">Study s{study.studyId}</h1>
      <dl className="facts">
        <dt>Subject</dt><dd>p{study.subjectId}</dd>
        <dt>Study date</dt><dd>{study.studyDate ?? "—"}</dd>
        <dt>Study time</dt><dd>{study.studyTime ?? "—"}</dd>
        <dt>Images</dt><dd>{study.images.length}</dd>
      </dl>
      <StudyImages images={study.images} imageRoute={imageRoute} watermark={{ name: user.name, email: user.email }} />
      {first && <EarlyImageFetch url={first.src} after={previewUrl(first.src, first.image)} nonce={nonce} />}
      {labelSets.length > 0 && (
        <div className="card">
          <h2>Labels</h2>
          <table data-testid="study-labels">
            <thead>
              <tr><th>Label</th>{labelSets.map(([name]) => <th key={name}>{name}</th>)}</tr>
            </thead>
            <tbody>
              {LABELS.map((l) => (
                <tr key={l}>
                  <th scope="row">{l}</th>
                  {labelSets.map(([name, set]) => (
                    <td key={name} className={`label-${set![l]}`}>{STATE_TEXT[set![l]]}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="card" data-testid="study-report">
        <h2>Report</h2>
        {study.report === null ? (
          <p className="muted">This dataset version has no free-text reports (they ship with MIMIC-CXR, not MIMIC-CXR-JPG).</p>
        ) : (
          study.report.map((s, i) => (
            <section key={i}>
              {s.heading && <h3>{s.heading}</h3>}
              <p className="report-text">{s.text}</p>
            </section>
          ))
        )}
      </div>
    </>
  );
}
