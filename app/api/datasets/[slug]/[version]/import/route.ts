import { findLabDataset } from "@/lib/datasets/find-dataset";
import { AppError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";
import { latestImport, startImport } from "@/lib/mimic/import-jobs/import-jobs";
import { importRequestSchema, resolveStorageDir } from "@/lib/mimic/import-jobs/storage-dir";

type Params = { slug: string; version: string };

async function labDataset(labId: string, p: Params) {
  const dataset = await findLabDataset({ labId, slug: p.slug, version: p.version });
  if (!dataset) throw new AppError("not_found", "Your lab does not hold this dataset version");
  return dataset;
}

// Stewards put the lab's copy in place; reading it is still gated per member by requireDatasetAccess.
export const GET = route<"steward", undefined, Params>({ access: "steward" }, async ({ user, params }) => {
  const dataset = await labDataset(user.labId, params);
  return { import: await latestImport(dataset.id) };
});

export const POST = route<"steward", typeof importRequestSchema, Params>({ access: "steward", body: importRequestSchema }, async ({ user, params, body }) => {
  const dataset = await labDataset(user.labId, params);
  await startImport({ user, dataset, dir: resolveStorageDir(body.dir) });
  return { import: await latestImport(dataset.id) };
});
