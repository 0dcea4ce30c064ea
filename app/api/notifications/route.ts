import { route } from "@/lib/http/route";
import { countUnread, listNotifications } from "@/lib/notifications/list";

// The signed-in member's own notifications, newest first, with the unread count.
export const GET = route({ access: "member" }, async ({ user }) => {
  const owner = { userId: user.id, labId: user.labId };
  const [unread, items] = await Promise.all([countUnread(owner), listNotifications({ ...owner, limit: 100 })]);
  return { unread, notifications: items };
});
