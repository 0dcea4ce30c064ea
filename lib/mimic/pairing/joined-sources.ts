import "server-only";
import type { CurrentUser } from "@/lib/auth/current-user";
import { hasDatasetAccess } from "@/lib/datasets/dataset-access";
import type { DatasetRef } from "@/lib/datasets/find-dataset";
import { CXR_SLUG, findPairedVersion, JPG_SLUG, type PairedVersion } from "./version-pairs";

/**
 * Where each part of a study comes from when a member opens one version of a pair (decision 027):
 * labels, metadata, splits and JPGs from the MIMIC-CXR-JPG version; the report and DICOMs from the
 * MIMIC-CXR version. A part of the partner version is used only if the member holds access to that
 * version by the one access rule, asked now (this request); otherwise `partner.access` is false and
 * the page says which access would show it.
 */
export type JoinedSources = {
  side: "cxr" | "jpg" | null;
  partner: (PairedVersion & { side: "cxr" | "jpg"; access: boolean }) | null;
  /** The version whose facet table and label arrays the explorer filters and shows. */
  labelsDatasetId: string;
  /** The version whose report text the search and snippets read. */
  reportDatasetId: string;
  /** True when the page's labels or report come from the partner version. */
  joined: boolean;
};

// Only who asks and which version: a download worker asks for a job's owner, who is not a request's CurrentUser.
export async function resolveJoinedSources(opts: { user: Pick<CurrentUser, "id" | "labId">; dataset: Pick<DatasetRef, "id" | "slug"> }): Promise<JoinedSources> {
  const { user, dataset } = opts;
  const side = dataset.slug === CXR_SLUG ? "cxr" : dataset.slug === JPG_SLUG ? "jpg" : null;
  const found = side ? await findPairedVersion({ labId: user.labId, datasetId: dataset.id }) : null;
  const partner = found ? { ...found, access: await hasDatasetAccess({ userId: user.id, labId: user.labId, datasetId: found.id }) } : null;
  const usable = partner?.access ? partner : null;
  const labelsDatasetId = side === "cxr" && usable ? usable.id : dataset.id;
  const reportDatasetId = side === "jpg" && usable ? usable.id : dataset.id;
  return { side, partner, labelsDatasetId, reportDatasetId, joined: usable !== null };
}

/** The sentence a hidden part shows: which version's access would show it. `what` is plural ("the report and DICOM images"). */
export function hiddenPartText(what: string, partner: PairedVersion): string {
  return `Hidden: ${what} come from ${partner.title} ${partner.version} (${partner.slug}), and you do not hold access to that version. Complete its checklist on the Credentialing page to see them here.`;
}
