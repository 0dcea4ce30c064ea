import Link from "next/link";
import { recordAudit } from "@/lib/audit/record";
import { requireDatasetAccess } from "@/lib/auth/dataset-access";
import { getDb } from "@/lib/db/client";
import { CopyApiPath } from "@/components/storage/copy-api-path";
import { ImageViewer } from "@/components/viewer/image-viewer";
import { browseStorage, normalizeFolder, storageTotals } from "@/lib/downloads/browse-storage";
import { formatBytes } from "@/lib/downloads/format";
import { findStoredFile } from "@/lib/downloads/read-file";
import { isoDateTime } from "@/lib/format/date";

type Props = { params: Promise<{ slug: string; version: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

const VIEWABLE = /\.(dcm|jpe?g)$/i;
const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : undefined);

/**
 * This lab's verified copy of a dataset version (what downloads placed in lab storage), one folder
 * at a time as PhysioNet lays it out, a page of 100 entries each: MIMIC-CXR's 377k files are never
 * listed whole. Files open in the viewer or download through the audited lab-storage route, which
 * asks the access rule again on every read; the listing itself is audited like any browse.
 */
export default async function StoragePage({ params, searchParams }: Props) {
  const { user, dataset } = await requireDatasetAccess(await params);
  const query = await searchParams;
  const dir = normalizeFolder(one(query.dir)) ?? "";
  const rawAfter = one(query.after);
  const after = rawAfter && /^[^/]{1,255}\/?$/.test(rawAfter) ? rawAfter : null;
  const viewPath = one(query.view);
  const [folder, totals, viewed] = await Promise.all([
    browseStorage({ labId: user.labId, datasetId: dataset.id, dir, after }),
    storageTotals({ labId: user.labId, datasetId: dataset.id, dir }),
    viewPath && VIEWABLE.test(viewPath) ? findStoredFile({ labId: user.labId, datasetId: dataset.id, path: viewPath }) : null,
  ]);
  await recordAudit(getDb(), {
    action: "storage.browse",
    labId: user.labId,
    actor: user,
    target: { type: "dataset", id: dataset.id },
    details: { dataset: `${dataset.slug}/${dataset.version}`, folder: dir.slice(0, 300) || "/", entries: folder.entries.length },
  });

  const base = `/datasets/${dataset.slug}/${dataset.version}`;
  const here = (d: string, extra?: Record<string, string>) => `${base}/storage?${new URLSearchParams({ ...(d ? { dir: d } : {}), ...extra }).toString()}`;
  const fileRoute = (p: string) => `/api/downloads/files/${dataset.slug}/${dataset.version}/${p.split("/").map(encodeURIComponent).join("/")}`;
  const apiPath = (p: string) => `/api/v1/datasets/${dataset.slug}/${dataset.version}/files/${p.split("/").map(encodeURIComponent).join("/")}`;
  const crumbs = dir.split("/").filter(Boolean);

  return (
    <>
      <p><Link prefetch={false} href={base}>← {dataset.title} {dataset.version}</Link></p>
      <h1>Lab storage <span className="muted">{dataset.slug} {dataset.version}</span></h1>
      <p className="muted">
        Files your lab downloaded from PhysioNet, each verified against PhysioNet&apos;s SHA-256 before it was placed here.
        Fetch more on <Link prefetch={false} href="/downloads/new">Downloads</Link>.
      </p>
      <nav aria-label="Folder" data-testid="storage-crumbs">
        <Link prefetch={false} href={here("")}>{dataset.slug}-{dataset.version}</Link>
        {crumbs.map((c, i) => (
          <span key={i}> / <Link prefetch={false} href={here(`${crumbs.slice(0, i + 1).join("/")}/`)}>{c}</Link></span>
        ))}
      </nav>
      <p data-testid="storage-totals">
        {totals.files.toLocaleString("en-US")} verified {totals.files === 1 ? "file" : "files"}, {formatBytes(totals.bytes)} {dir ? "in this folder and below" : "in all"}.
      </p>
      {viewPath && (
        <div data-testid="storage-viewer">
          {viewed ? (
            <ImageViewer src={fileRoute(viewPath)} previewSrc={null} title={viewPath} watermark={{ name: user.name, email: user.email }} />
          ) : (
            <p className="notice">That file is not in your lab&apos;s storage.</p>
          )}
        </div>
      )}
      <table data-testid="storage-table">
        <thead>
          <tr><th>Name</th><th>Size</th><th>Verified</th><th>SHA-256</th><th>Actions</th></tr>
        </thead>
        <tbody>
          {folder.entries.length === 0 && (
            <tr><td colSpan={5} className="muted">Nothing of this {dir ? "folder" : "dataset version"} is in lab storage yet.</td></tr>
          )}
          {folder.entries.map((e) =>
            e.kind === "folder" ? (
              <tr key={`d:${e.name}`} data-folder={e.name}>
                <td><Link prefetch={false} href={here(`${dir}${e.name}/`)}>{e.name}/</Link></td>
                <td colSpan={4} className="muted">folder</td>
              </tr>
            ) : (
              <tr key={`f:${e.name}`} data-file={e.path}>
                <td><code>{e.name}</code></td>
                <td>{formatBytes(e.size)}</td>
                <td>{isoDateTime(e.storedAt)}</td>
                <td><code className="small" title={e.sha256}>{e.sha256}</code></td>
                <td className="inline">
                  {VIEWABLE.test(e.name) && <Link prefetch={false} href={here(dir, { view: e.path, ...(after ? { after } : {}) })} aria-label={`Open ${e.name} in the viewer`}>Open</Link>}
                  <a href={fileRoute(e.path)} download aria-label={`Download ${e.name}`}>Download</a>
                  <CopyApiPath apiPath={apiPath(e.path)} />
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>
      <p className="row">
        {after && <Link prefetch={false} href={here(dir)}>← First page</Link>}
        {folder.next && <Link prefetch={false} href={here(dir, { after: folder.next })}>Next {folder.entries.length} →</Link>}
      </p>
    </>
  );
}
