import { NextResponse } from "next/server";
import { openApiDocument } from "@/lib/api/openapi";
import { route } from "@/lib/http/route";

// Public: it describes the API and holds no data, so tools can read it without a token.
export const GET = route({ access: "public" }, async () => NextResponse.json(openApiDocument()));
