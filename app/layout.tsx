import type { Metadata } from "next";
import Link from "next/link";
import "./globals.css";
import { getCurrentUser } from "@/lib/auth/current-user";
import { roleAtLeast } from "@/lib/auth/roles";
import { NavMenu } from "@/components/nav-menu";
import { SignOutButton } from "@/components/sign-out-button";
import { countUnread } from "@/lib/notifications/list";
import { getEnv } from "@/lib/env";

// Every page depends on who is asking; nothing is prerendered at build time (the build needs no
// database or secrets, and no page can be served from a shared cache).
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "labgate", description: "Credentialed data access for research labs" };

// The layout only decides what navigation to show; each page still calls the auth chokepoint itself.
export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const user = await getCurrentUser();
  const unread = user ? await countUnread({ userId: user.id, labId: user.labId }) : 0;
  return (
    <html lang="en">
      <body>
        {getEnv().LABGATE_DEMO === "1" && (
          <div className="demo-banner" role="note" data-testid="demo-banner">
            <strong>Demo lab</strong> — synthetic data only, and sign-ins whose passwords are public. Do not put real data here.
          </div>
        )}
        <header className="top">
          <Link prefetch={false} href="/" className="brand">labgate</Link>
          {user ? (
          <NavMenu>
            {user && <Link prefetch={false} href="/">Home</Link>}
            {user && <Link prefetch={false} href="/credentialing">Checklist</Link>}
            {user && <Link prefetch={false} href="/datasets">Datasets</Link>}
            {user && <Link prefetch={false} href="/downloads">Downloads</Link>}
            {user && roleAtLeast(user.role, "steward") && <Link prefetch={false} href="/stewardship">Stewardship</Link>}
            {user && roleAtLeast(user.role, "steward") && <Link prefetch={false} href="/members">Members</Link>}
            {user && roleAtLeast(user.role, "steward") && <Link prefetch={false} href="/audit">Audit log</Link>}
            {user && roleAtLeast(user.role, "steward") && <Link prefetch={false} href="/settings">Settings</Link>}
            {user && roleAtLeast(user.role, "admin") && <Link prefetch={false} href="/admin">Admin</Link>}
            {user && (
              <Link prefetch={false} href="/notifications" data-testid="nav-notifications">
                Notifications{unread > 0 && <> <span className="badge" data-testid="unread-count" aria-label={`${unread} unread`}>{unread}</span></>}
              </Link>
            )}
            {user && <Link prefetch={false} href="/help">Help</Link>}
          </NavMenu>
          ) : (
            <nav aria-label="Main" />
          )}
          {user ? (
            <span className="who" data-testid="whoami">
              {user.name} · {user.email} · {user.role} <Link prefetch={false} href="/account/sessions">Sessions</Link> <Link prefetch={false} href="/account/tokens">Tokens</Link> <SignOutButton />
            </span>
          ) : null}
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
