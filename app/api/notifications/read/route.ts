import { route } from "@/lib/http/route";
import { countUnread, markAllRead, markRead, markReadSchema } from "@/lib/notifications/list";

// Marks some or all of the member's own notifications read; other people's ids change nothing.
export const POST = route({ access: "member", body: markReadSchema }, async ({ user, body }) => {
  const owner = { userId: user.id, labId: user.labId };
  const { marked } = body.all ? await markAllRead(owner) : await markRead({ ...owner, ids: body.ids ?? [] });
  return { marked, unread: await countUnread(owner) };
});
