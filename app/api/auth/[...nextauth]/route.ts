import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { authOptions } from "@/lib/auth/options";
import { withSignInLimitStatus } from "@/lib/limits/sign-in";

// Public by declaration: this is the sign-in endpoint itself. Built lazily so `next build` does not
// need the runtime environment.
type Ctx = { params: Promise<{ nextauth: string[] }> };
async function handler(req: NextRequest, ctx: Ctx) {
  // A sign-in refused by a limit answers 429 with Retry-After (lib/limits/sign-in.ts).
  return withSignInLimitStatus(() => NextAuth(authOptions())(req, ctx));
}
export { handler as GET, handler as POST };
