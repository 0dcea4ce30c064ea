import Link from "next/link";
import { eq } from "drizzle-orm";
import { physionetAccounts } from "@/db/schema";
import { requireUser } from "@/lib/auth/current-user";
import { listLabDatasets } from "@/lib/datasets/find-dataset";
import { getDb } from "@/lib/db/client";
import { hasSavedCredentials } from "@/lib/downloads/credentials/store";
import { listCohorts } from "@/lib/mimic/cohorts/cohorts";
import { CreateDownloadForm, type CohortOption, type MirrorOption } from "@/components/downloads/create-download-form";
import { mirrorLocation } from "@/lib/datasets/physionet-catalogue";
import { memberIdentities } from "@/lib/downloads/mirror/identities";

type Props = { searchParams: Promise<{ dataset?: string; cohort?: string }> };

// ?dataset=<slug>/<version>&cohort=<id> preselects, as the explorer's "Download these images" link does.
export default async function NewDownloadPage({ searchParams }: Props) {
  const user = await requireUser();
  const query = await searchParams;
  const db = getDb();
  // Only versions this member may download: access by the one access rule, asked per version.
  const datasets = (await listLabDatasets({ labId: user.labId, userId: user.id })).filter((d) => d.hasAccess);
  const cohorts: CohortOption[] = (
    await Promise.all(datasets.map(async (d) => (await listCohorts({ labId: user.labId, datasetId: d.id })).map((c) => ({ id: c.id, name: c.name, datasetId: d.id, datasetLabel: `${d.slug} ${d.version}`, studyCount: c.studyCount }))))
  ).flat();
  const [account] = await db.select({ username: physionetAccounts.username }).from(physionetAccounts).where(eq(physionetAccounts.userId, user.id));
  const saved = await hasSavedCredentials(db, user.id);
  const identities = await memberIdentities(db, user.id);
  const mirrors: MirrorOption[] = datasets.flatMap((d) => {
    const i = identities.get(d.id);
    if (!i || !mirrorLocation(d.slug, d.version, i.provider)) return [];
    return [{ datasetId: d.id, label: `${i.provider === "aws" ? "AWS" : "Google"} ${i.identity}`, verifiedStatus: i.verifiedStatus, keysKept: i.keysKept }];
  });
  const cohort = cohorts.find((c) => c.id === query.cohort) ?? null;
  // A cohort of MIMIC-CXR-JPG usually wants the same studies' DICOMs or JPGs: the form keeps the version chosen in the link.
  const preselected = datasets.find((d) => `${d.slug}/${d.version}` === query.dataset) ?? datasets.find((d) => d.id === cohort?.datasetId) ?? null;
  return (
    <>
      <p><Link prefetch={false} href="/downloads">← Downloads</Link></p>
      <h1>New download</h1>
      <div className="card">
        <p className="muted">
          labgate asks PhysioNet for the version&apos;s SHA256SUMS.txt, picks your files from it and shows how many there are and their estimated size
          before anything is fetched. Every file is checked against its SHA-256 before it appears in lab storage.
        </p>
        <CreateDownloadForm
          datasets={datasets.map((d) => ({ id: d.id, slug: d.slug, version: d.version, title: d.title }))}
          cohorts={cohorts}
          initialDatasetId={preselected?.id ?? null}
          initialCohortId={cohort?.id ?? null}
          physionetUsername={account?.username ?? null}
          savedPassword={saved.saved}
          mirrors={mirrors}
        />
      </div>
    </>
  );
}
