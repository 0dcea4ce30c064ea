import { describe, expect, it } from "vitest";
import { openApiDocument } from "@/lib/api/openapi";
import { routeRegistry } from "@/lib/auth/route-registry";

describe("the OpenAPI document", () => {
  const doc = openApiDocument();

  it("describes every token-readable /api/v1 route of the registry, and nothing else", () => {
    const declared = Object.entries(routeRegistry)
      .filter(([p, d]) => p.startsWith("/api/v1/") && d.tokens)
      .map(([p]) => p.replace(/\[\.\.\.(\w+)\]/g, "{$1}").replace(/\[(\w+)\]/g, "{$1}"))
      .sort();
    expect(Object.keys(doc.paths).sort()).toEqual(declared);
  });

  it("is generated from the zod schemas: a study's labels list the 14 CheXpert labels and their states", () => {
    const study = doc.paths["/api/v1/datasets/{slug}/{version}/studies/{studyId}"]!.get as { responses: Record<string, { content: Record<string, { schema: { properties: Record<string, { properties: Record<string, unknown> }> } }> }> };
    const labels = study.responses["200"]!.content["application/json"]!.schema.properties.labels!.properties.chexpert as { anyOf: { propertyNames?: { enum: string[] }; additionalProperties?: { enum: string[] } }[] };
    const record = labels.anyOf.find((s) => s.additionalProperties)!;
    expect(record.additionalProperties!.enum).toEqual(["positive", "negative", "uncertain", "not-mentioned"]);
    expect(JSON.stringify(record)).toContain("Pleural Effusion");
  });

  it("lists the explorer's filters as query parameters of the study search, repeatable ones exploded", () => {
    const search = doc.paths["/api/v1/datasets/{slug}/{version}/studies"]!.get as { parameters: { name: string; in: string; explode?: boolean }[] };
    const query = search.parameters.filter((p) => p.in === "query");
    expect(query.map((p) => p.name)).toEqual(["labeler", "label", "view", "split", "from", "to", "local", "q", "sort", "dir", "page", "size"]);
    expect(query.find((p) => p.name === "label")!.explode).toBe(true);
  });
});
