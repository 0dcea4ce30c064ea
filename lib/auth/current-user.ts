import "server-only";
import { cache } from "react";
import { getServerSession } from "next-auth";
import { forbidden, unauthorized } from "next/navigation";
import { authOptions } from "./options";
import { roleAtLeast, type Role } from "./roles";
import { findActiveSessionUser } from "@/lib/users/sign-in";

export type CurrentUser = { id: string; email: string; name: string; role: Role; labId: string };

/**
 * The user behind this request, re-read from the database every time: a deactivated user, or one
 * whose sessions were revoked, is treated as signed out even though their cookie is still valid.
 */
export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => {
  const session = (await getServerSession(authOptions())) as { uid?: string; sv?: number } | null;
  if (!session?.uid || typeof session.sv !== "number") return null;
  return findActiveSessionUser({ userId: session.uid, sessionVersion: session.sv });
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
