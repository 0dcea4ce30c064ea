import { controlJob, jobActionSchema } from "@/lib/downloads/control";
import { getJobProgress } from "@/lib/downloads/queries";
import { route } from "@/lib/http/route";

// Start, pause, resume, cancel. The password (when given) is encrypted at once and never echoed.
export const POST = route<"member", typeof jobActionSchema, { id: string }>({ access: "member", body: jobActionSchema }, async ({ user, params, body, ip }) => {
  await controlJob({ user, jobId: params.id, input: body, ip });
  return { job: await getJobProgress({ user, jobId: params.id }) };
});
