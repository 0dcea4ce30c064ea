import { notFound } from "next/navigation";
import { requireRole } from "@/lib/auth/current-user";
import { getDb } from "@/lib/db/client";
import { formatBytes } from "@/lib/downloads/format";
import { loadAttestation } from "@/lib/retention/attestation";
import { uuidSchema } from "@/lib/validation";
import { PrintButton } from "@/components/retention/print-button";
import styles from "@/components/retention/attestation.module.css";

const at = (d: Date) => d.toISOString().slice(0, 19).replace("T", " ") + " UTC";

export default async function AttestationPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireRole("steward");
  const id = uuidSchema.safeParse((await params).id);
  const a = id.success ? await loadAttestation(getDb(), { labId: user.labId, destructionId: id.data }) : null;
  if (!a) notFound();
  const label = `${a.dataset.slug} ${a.dataset.version}`;
  return (
    <article className={styles.sheet} aria-label="Attestation of destruction">
      <h1>Attestation of data destruction</h1>
      <p>
        The copy of <strong>{label}</strong> ({a.dataset.title}) held by <strong>{a.lab.name}</strong> was destroyed by labgate on {at(a.destroyedAt)}.
      </p>
      <dl className={styles.facts}>
        <dt>Lab</dt>
        <dd data-testid="att-lab">{a.lab.name}</dd>
        <dt>Dataset version</dt>
        <dd data-testid="att-dataset">{label}</dd>
        <dt>Held since</dt>
        <dd>{at(a.heldSince)}{a.retentionDays !== null && ` (retention period ${a.retentionDays} days)`}</dd>
        <dt>Requested by</dt>
        <dd>{a.requestedBy.name} &lt;{a.requestedBy.email}&gt;, {at(a.requestedAt)}</dd>
        <dt>Confirmed by</dt>
        <dd>{a.confirmedBy.name} &lt;{a.confirmedBy.email}&gt;, {at(a.confirmedAt)}</dd>
        <dt>Destroyed</dt>
        <dd data-testid="att-destroyed">{at(a.destroyedAt)}</dd>
        <dt>Files removed</dt>
        <dd data-testid="att-files">{a.fileCount.toLocaleString("en-US")}</dd>
        <dt>Bytes removed</dt>
        <dd data-testid="att-bytes">
          {a.bytes.toLocaleString("en-US")} ({formatBytes(a.bytes)})
        </dd>
        <dt>Storage</dt>
        <dd>{a.storageBackend === "s3" ? "S3-compatible object storage" : "local disk"}, plus the import directory, thumbnails and staging on the server</dd>
        <dt>File list SHA-256</dt>
        <dd className={styles.hash} data-testid="att-hash">{a.listSha256}</dd>
        <dt>Audit record</dt>
        <dd className={styles.hash} data-testid="att-audit">
          #{a.auditId} · {a.auditHash}
        </dd>
      </dl>
      <p className="small">
        The file list hash is SHA-256 over one line per removed file, &quot;path TAB size LF&quot;, sorted by the paths&apos; bytes. The audit record is a row of
        labgate&apos;s hash-chained audit log; <code>npm run audit:verify</code> checks the chain it belongs to. Imported rows, cohorts, the lab&apos;s catalog of
        stored files and every member&apos;s access to this version were removed with the files.
      </p>
      {a.sharedCopyKept && (
        <p className="error" role="note">
          Another lab of this labgate installation still holds {label}: the shared stored files, import and imported rows remain for that lab. This lab&apos;s
          catalog, cohorts, staging and access were removed.
        </p>
      )}
      {a.keptPaths.length > 0 && (
        <p className="error" role="note">
          Imported from outside lab storage and not removed by labgate (remove by hand and note it here): {a.keptPaths.join(", ")}
        </p>
      )}
      <div className={styles.signatures}>
        {["Principal investigator", "Data steward"].map((role) => (
          <div key={role} className={styles.signature}>
            <div className={styles.line} />
            <div>{role}: name, signature, date</div>
          </div>
        ))}
      </div>
      <PrintButton />
    </article>
  );
}
