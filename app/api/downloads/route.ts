import { createDownloadJob, createDownloadSchema } from "@/lib/downloads/create";
import { listDownloadJobs } from "@/lib/downloads/queries";
import { route } from "@/lib/http/route";

// Any member may ask; createDownloadJob itself requires access to the dataset version by the
// access rule (403, audited, otherwise), like every other path to the data.
export const GET = route({ access: "member" }, async ({ user }) => ({ jobs: await listDownloadJobs({ user }) }));

export const POST = route({ access: "member", body: createDownloadSchema }, async ({ user, body, ip }) => {
  return createDownloadJob({ user, input: body, ip });
});
