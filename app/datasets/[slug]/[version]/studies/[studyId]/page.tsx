import { headers } from "next/headers";
import Link from "next/link";
import { notFound } from "next/navigation";
import { recordAudit } from "@/lib/audit/record";
import { requireDatasetAccess } from "@/lib/auth/dataset-access";
import { getDb } from "@/lib/db/client";
import { EarlyImageFetch } from "@/components/viewer/early-image-fetch";
import { pickImage, previewUrl } from "@/components/viewer/first-image";
import { StudyImages } from "@/components/viewer/study-images";
import { locateImage } from "@/lib/mimic/images/locate-image";
import { mayHavePreview } from "@/lib/thumbnails/preview-renders";
import { getStudy } from "@/lib/mimic/browse/get-study";
import { LABELS } from "@/lib/mimic/import/file-specs";
import type { LabelState } from "@/lib/mimic/tokens";
import { ImageSetsSwitch, ImageSetsTable, imageSets } from "@/components/viewer/image-sets";
import { hiddenPartText, resolveJoinedSources } from "@/lib/mimic/pairing/joined-sources";
import { FetchStudyImages } from "@/components/downloads/fetch-study-images";
import { studyFetchOffer } from "@/lib/downloads/study-fetch";

type Props = { params: Promise<{ slug: string; version: string; studyId: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

const STATE_TEXT: Record<LabelState, string> = { positive: "positive (1.0)", negative: "negative (0.0)", uncertain: "uncertain (−1.0)", "not-mentioned": "not mentioned" };

export default async function StudyPage({ params, searchParams }: Props) {
  const { user, dataset } = await requireDatasetAccess(await params);
  const { studyId: raw } = await params;
  const studyId = /^s?\d{1,9}$/.test(raw) ? Number(raw.replace(/^s/, "")) : NaN;
  if (!Number.isSafeInteger(studyId)) notFound();
  // The same study in the paired version (decision 027), read only when the member holds access to
  // that version too; each version's look is its own audit row. Which version pairs with this one is
  // asked beside the study itself: neither read depends on the other.
  const [own, sources] = await Promise.all([getStudy({ datasetId: dataset.id, studyId }), resolveJoinedSources({ user, dataset })]);
  if (!own) notFound();
  const partner = sources.partner;
  const other = partner?.access ? await getStudy({ datasetId: partner.id, studyId }) : null;
  for (const [s, ds] of [[own, dataset], ...(other && partner ? [[other, partner] as const] : [])] as const) {
    await recordAudit(getDb(), {
      action: s.report ? "study.view_report" : "study.view",
      labId: user.labId,
      actor: user,
      target: { type: "study", id: String(s.studyId) },
      details: { dataset: `${ds.slug}/${ds.version}`, subjectId: s.subjectId },
    });
  }
  const base = `/datasets/${dataset.slug}/${dataset.version}`;
  const partnerBase = partner ? `/datasets/${partner.slug}/${partner.version}` : null;
  // Labels, dates and JPGs from the JPG version; report and DICOMs from MIMIC-CXR.
  const jpgStudy = sources.side === "cxr" ? other : own;
  const cxrStudy = sources.side === "jpg" ? other : own;
  const study = { ...own, studyDate: jpgStudy?.studyDate ?? own.studyDate, studyTime: jpgStudy?.studyTime ?? own.studyTime, labels: (jpgStudy ?? own).labels, report: (cxrStudy ?? own).report };
  const sets = imageSets({ own, other, dataset, partner, side: sources.side });
  const wanted = (await searchParams).images;
  const shown = sets.find((x) => x.key === wanted && x.images) ?? sets[0]!;
  const imageRoute = `/api/datasets/${shown.ref.slug}/${shown.ref.version}/images`;
  // The viewer opens this image by itself: its preview, an <img> in the viewer, is fetched as soon as
  // the HTML is parsed, and the file's download starts after it, before the page's scripts run.
  const shownImages = shown.images ?? [];
  const firstImage = shownImages.find((i) => i.dicomId === pickImage(shownImages, null));
  const first = firstImage ? { src: `${imageRoute}/${encodeURIComponent(firstImage.dicomId)}`, image: firstImage } : null;
  // A compressed file has no preview (the route would answer 204): its <img> is left out and the
  // file's fetch does not wait for one. Only the file's meta header is read for this.
  // This version's own image files (which a download verified into lab storage, and the job that
  // fetches the rest) are read beside the first image's file.
  const [firstFile, offer] = await Promise.all([
    first && previewUrl(first.src, first.image) ? locateImage({ datasetId: shown === sets[0] ? dataset.id : partner!.id, dicomId: first.image.dicomId }) : null,
    studyFetchOffer({ userId: user.id, labId: user.labId, datasetId: dataset.id, images: own.images }),
  ]);
  const firstPreview = first && firstFile && (firstFile.contentType !== "application/dicom" || (await mayHavePreview(firstFile.filePath))) ? previewUrl(first.src, first.image) : null;
  const nonce = (await headers()).get("x-nonce") ?? undefined;
  const labelSets = ([["CheXpert", study.labels.chexpert], ["NegBio", study.labels.negbio], ["Radiologist (test set)", study.labels.test]] as const).filter(([, v]) => v !== null);
  const labelsHidden = sources.side === "cxr" && partner && !partner.access;
  const reportHidden = sources.side === "jpg" && partner && !partner.access;

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
      {partner && partnerBase && (
        <p data-testid="partner-link">
          {partner.access ? (
            <Link prefetch={false} href={`${partnerBase}/studies/s${study.studyId}`}>This study in {partner.title} {partner.version} →</Link>
          ) : (
            <span className="muted">This study is also in {partner.title} {partner.version}, which you do not hold access to.</span>
          )}
        </p>
      )}
      <ImageSetsSwitch sets={sets} shown={shown.key} studyHref={`${base}/studies/s${study.studyId}`} />
      <StudyImages key={shown.key} images={shownImages} imageRoute={imageRoute} watermark={{ name: user.name, email: user.email }} noPreview={first && !firstPreview ? [first.image.dicomId] : []} />
      <ImageSetsTable sets={sets} />
      {(offer.stored.length > 0 || offer.selection) && (
        <div className="card" data-testid="study-lab-storage">
          <h2>Lab storage</h2>
          {offer.stored.length > 0 && (
            <ul>
              {offer.stored.map((p) => (
                <li key={p}>
                  <Link prefetch={false} href={`${base}/storage?${new URLSearchParams({ dir: p.slice(0, p.lastIndexOf("/") + 1), view: p }).toString()}`}>{p.slice(p.lastIndexOf("/") + 1)}</Link>{" "}
                  <span className="muted">verified in lab storage</span>
                </li>
              ))}
            </ul>
          )}
          {offer.selection && <FetchStudyImages datasetId={dataset.id} selection={offer.selection} physionetUsername={offer.physionetUsername} savedPassword={offer.savedPassword} />}
        </div>
      )}
      {first && <EarlyImageFetch url={first.src} after={firstPreview} nonce={nonce} />}
      {labelsHidden && partner && (
        <div className="card" data-testid="study-labels-hidden">
          <h2>Labels</h2>
          <p className="notice">{hiddenPartText("the CheXpert, NegBio and radiologist labels, dates and JPG images", partner)} <Link prefetch={false} href="/credentialing">Credentialing</Link></p>
        </div>
      )}
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
        {reportHidden && partner ? (
          <p className="notice" data-testid="study-report-hidden">{hiddenPartText("the report and DICOM images", partner)} <Link prefetch={false} href="/credentialing">Credentialing</Link></p>
        ) : study.report === null ? (
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
