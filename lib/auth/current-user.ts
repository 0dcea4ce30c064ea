import "server-only";
import { cache } from "react";
import { getServerSession } from "next-auth";
import { headers } from "next/headers";
import { forbidden, unauthorized } from "next/navigation";
import { noteRequestUser, REQUEST_ID_HEADER } from "@/lib/log/request-log";
import { authOptions } from "./options";
import { roleAtLeast, type Role } from "./roles";
import { findSessionUser } from "./sessions";

export type CurrentUser = { id: string; email: string; name: string; role: Role; labId: string };

/**
 * The user behind this request, re-read from the database every time: the cookie names a
 * server-side session, and a session that was ended (sign-out, deactivation, ended from another
 * browser or by an admin) is treated as signed out even though the cookie itself is still valid.
 */
export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => {
  const user = await getCurrentSession();
  return user && { id: user.id, email: user.email, name: user.name, role: user.role, labId: user.labId };
});

/** The same lookup, with the id of the session (the sessions page marks "this browser"). */
export const getCurrentSession = cache(async () => {
  const session = (await getServerSession(authOptions())) as { uid?: unknown; sid?: unknown } | null;
  if (typeof session?.uid !== "string" || typeof session.sid !== "string") return null;
  const user = await findSessionUser({ userId: session.uid, sessionId: session.sid });
  if (user) noteRequestUser((await headers()).get(REQUEST_ID_HEADER), user.id, "session");
  return user;
});

/** First call of every page, route handler and server action that needs a signed-in user. */
export async function requireUser(): Promise<CurrentUser> {
  const user = await getCurrentUser();
  if (!user) unauthorized();
  return user;
}

export async function requireRole(minimum: Role): Promise<CurrentUser> {
  const user = await requireUser();
  if (!roleAtLeast(user.role, minimum)) forbidden();
  return user;
}
