import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { authOptions } from "@/lib/auth/options";

// Public by declaration: this is the sign-in endpoint itself. Built lazily so `next build` does not
// need the runtime environment.
type Ctx = { params: Promise<{ nextauth: string[] }> };
async function handler(req: NextRequest, ctx: Ctx) {
  return NextAuth(authOptions())(req, ctx);
}
export { handler as GET, handler as POST };
