import { requireUser } from "@/lib/auth/current-user";
import { roleAtLeast } from "@/lib/auth/roles";
import { listLabDatasets } from "@/lib/datasets/find-dataset";
import { DatasetsList } from "@/components/datasets/datasets-list";

export default async function DatasetsPage() {
  const user = await requireUser();
  const datasets = await listLabDatasets({ labId: user.labId, userId: user.id });
  return (
    <>
      <h1>Datasets</h1>
      <div className="card">
        <p className="muted">
          A dataset version opens when your credentialing checklist is complete for that exact version and a data steward has approved
          your access. Every study you open is recorded in the audit log.
        </p>
        <DatasetsList datasets={datasets} canImport={roleAtLeast(user.role, "steward")} />
      </div>
    </>
  );
}
