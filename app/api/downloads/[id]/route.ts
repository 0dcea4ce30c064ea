import { getJobProgress } from "@/lib/downloads/queries";
import { AppError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";

export const GET = route<"member", undefined, { id: string }>({ access: "member" }, async ({ user, params }) => {
  const job = await getJobProgress({ user, jobId: params.id });
  if (!job) throw new AppError("not_found", "No such download");
  return { job };
});
