import NextAuth from "next-auth";
import { NextResponse, type NextRequest } from "next/server";
import { getCurrentUser } from "@/lib/auth/current-user";
import { authOptions } from "@/lib/auth/options";
import { withSignInLimitStatus } from "@/lib/limits/sign-in";

// Public by declaration: this is the sign-in endpoint itself. Built lazily so `next build` does not
// need the runtime environment.
type Ctx = { params: Promise<{ nextauth: string[] }> };
async function handler(req: NextRequest, ctx: Ctx) {
  // next-auth answers /session from the cookie alone; a session ended on the server reads as none.
  if (req.method === "GET" && (await ctx.params).nextauth.join("/") === "session" && !(await getCurrentUser())) return NextResponse.json({});
  // A sign-in refused by a limit answers 429 with Retry-After (lib/limits/sign-in.ts).
  return withSignInLimitStatus(() => NextAuth(authOptions())(req, ctx));
}
export { handler as GET, handler as POST };
