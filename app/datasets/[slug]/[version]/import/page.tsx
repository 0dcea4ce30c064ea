import Link from "next/link";
import { notFound } from "next/navigation";
import { requireRole } from "@/lib/auth/current-user";
import { findLabDataset } from "@/lib/datasets/find-dataset";
import { latestImport } from "@/lib/mimic/import-jobs/import-jobs";
import { ImportPanel } from "@/components/datasets/import-panel";

type Props = { params: Promise<{ slug: string; version: string }> };

export default async function ImportPage({ params }: Props) {
  const user = await requireRole("steward");
  const { slug, version } = await params;
  const dataset = await findLabDataset({ labId: user.labId, slug, version });
  if (!dataset) notFound();
  return (
    <>
      <p><Link prefetch={false} href="/datasets">← Datasets</Link></p>
      <h1>Import {dataset.title} {dataset.version}</h1>
      <div className="card">
        <p className="muted">
          Name a {dataset.slug} {dataset.version} version directory in lab storage (as downloaded from PhysioNet). The files are checked
          against SHA256SUMS.txt and loaded off to the side; the current data stays in use until the new copy is complete.
        </p>
        <ImportPanel apiUrl={`/api/datasets/${dataset.slug}/${dataset.version}/import`} initial={await latestImport(dataset.id)} />
      </div>
    </>
  );
}
