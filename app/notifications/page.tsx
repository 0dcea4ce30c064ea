import { requireUser } from "@/lib/auth/current-user";
import { countUnread, listNotifications } from "@/lib/notifications/list";
import { NotificationList } from "@/components/notifications/notification-list";

export const metadata = { title: "Notifications · labgate" };

// Dates are written here, in UTC, so the server and the browser render the same text.
const stamp = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

export default async function NotificationsPage() {
  const user = await requireUser();
  const owner = { userId: user.id, labId: user.labId };
  const [items, unread] = await Promise.all([listNotifications({ ...owner, limit: 200 }), countUnread(owner)]);
  return (
    <>
      <h1>Notifications</h1>
      <div className="card">
        <p className="muted">
          Expiry warnings, review requests and changes to your access. When the lab has configured email, each one is also mailed to {user.email}.
        </p>
        <NotificationList unread={unread} items={items.map((n) => ({ id: n.id, kind: n.kind, title: n.title, body: n.body, link: n.link, createdAt: stamp(n.createdAt), read: n.readAt !== null }))} />
      </div>
    </>
  );
}
