import { z } from "zod";
import { cohortListSchema, cohortSchema, datasetListSchema, errorSchema, manifestRowSchema, studyDetailSchema, studyPageSchema, studySearchQuerySchema } from "./schemas";

// The OpenAPI 3.1 description of /api/v1, generated from the zod schemas the handlers are typed
// against (zod's own toJSONSchema: JSON Schema 2020-12, which OpenAPI 3.1 uses as is).

type Operation = {
  method: "get";
  path: string;
  summary: string;
  description: string;
  query?: z.ZodObject;
  response: { type: "json"; schema: z.ZodType } | { type: "csv"; rowSchema: z.ZodType } | { type: "file" };
};

const DATASET = "/api/v1/datasets/{slug}/{version}";

export const API_OPERATIONS: Operation[] = [
  { method: "get", path: "/api/v1/datasets", summary: "Dataset versions you may read", description: "The lab's dataset versions the access rule lets you read now (a limited token: only its versions).", response: { type: "json", schema: datasetListSchema } },
  { method: "get", path: `${DATASET}/cohorts`, summary: "Saved cohorts", description: "The lab's saved cohorts of this dataset version.", response: { type: "json", schema: cohortListSchema } },
  { method: "get", path: `${DATASET}/cohorts/{id}`, summary: "One cohort", description: "A saved cohort and the path of its manifest.", response: { type: "json", schema: cohortSchema } },
  {
    method: "get",
    path: `${DATASET}/cohorts/{id}/manifest`,
    summary: "Cohort manifest (CSV, streamed)",
    description: "One row per image of the cohort's studies: path, size and SHA-256 (where the file is in lab storage), ids, split, view and both label sets. Streamed; the whole dataset is 377k rows. Of a MIMIC-CXR version paired with a MIMIC-CXR-JPG version, the studies, dates and labels are the JPG version's (as the explorer counts the cohort); 403 naming that version if you do not hold it.",
    response: { type: "csv", rowSchema: manifestRowSchema },
  },
  { method: "get", path: `${DATASET}/studies`, summary: "Search studies", description: "The explorer's filters as query parameters, paged.", query: studySearchQuerySchema, response: { type: "json", schema: studyPageSchema } },
  { method: "get", path: `${DATASET}/studies/{studyId}`, summary: "One study", description: "Labels from every source, the report by section and the images (with size and SHA-256 where in lab storage).", response: { type: "json", schema: studyDetailSchema } },
  {
    method: "get",
    path: `${DATASET}/files/{path}`,
    summary: "A file from lab storage",
    description: "A verified file of the lab's copy (path as in the manifest, slashes included). Supports Range; X-Labgate-Sha256 names its SHA-256; never cached.",
    response: { type: "file" },
  },
];

const jsonSchema = (s: z.ZodType, io: "input" | "output" = "output") => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(s, { io, unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
};

function pathParams(p: string) {
  return [...p.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: "path", required: true, schema: { type: "string" } }));
}

function queryParams(q: z.ZodObject | undefined) {
  if (!q) return [];
  const props = (jsonSchema(q, "input").properties ?? {}) as Record<string, { description?: string }>;
  return Object.entries(props).map(([name, schema]) => ({ name, in: "query", required: false, ...(schema.description ? { description: schema.description } : {}), schema, ...(("type" in schema && schema.type === "array") ? { style: "form", explode: true } : {}) }));
}

function responses(op: Operation) {
  const ok =
    op.response.type === "json"
      ? { description: "OK", content: { "application/json": { schema: jsonSchema(op.response.schema) } } }
      : op.response.type === "csv"
        ? { description: "CSV with a header row; each row as described", content: { "text/csv": { schema: { type: "string", description: "CSV" }, "x-row-schema": jsonSchema(op.response.rowSchema) } } }
        : { description: "The file (206 with Range)", content: { "application/octet-stream": { schema: { type: "string", contentEncoding: "binary" } } } };
  const err = (description: string) => ({ description, content: { "application/json": { schema: jsonSchema(errorSchema) } } });
  return {
    "200": ok,
    ...(op.response.type === "file" ? { "206": { description: "Partial content" }, "416": { description: "Range not satisfiable" } } : {}),
    "400": err("Invalid parameters"),
    "401": err("No valid session or token (revoked, expired, inactive account, or a route tokens may not use)"),
    "403": err("The access rule refuses you this dataset version, or the token is limited to others"),
    "404": err("Not found"),
  };
}

export function openApiDocument(opts: { serverUrl?: string } = {}) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of API_OPERATIONS) {
    paths[op.path] = {
      ...(paths[op.path] ?? {}),
      [op.method]: { summary: op.summary, description: op.description, parameters: [...pathParams(op.path), ...queryParams(op.query)], responses: responses(op), security: [{ bearerToken: [] }, { session: [] }] },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "labgate API",
      version: "1",
      description: "Read-only access to the lab's credentialed datasets for scripts and notebooks. Every request is checked against the one access rule as the token's owner and audited with the token's id; nothing is cacheable. DICOM viewers and toolkits read the lab's MIMIC-CXR DICOM files through DICOMweb instead (QIDO-RS, WADO-RS, same tokens and rule), described by DICOM PS3.18 rather than here.",
    },
    externalDocs: { description: "DICOMweb at /api/dicomweb/{slug}/{version} (DICOM PS3.18; README section \"DICOMweb\")", url: "https://www.dicomstandard.org/using/dicomweb" },
    ...(opts.serverUrl ? { servers: [{ url: opts.serverUrl }] } : {}),
    components: {
      securitySchemes: {
        bearerToken: { type: "http", scheme: "bearer", description: "A personal access token (lgt_…) from /account/tokens" },
        session: { type: "apiKey", in: "cookie", name: "labgate.session", description: "A signed-in browser" },
      },
    },
    paths,
  };
}
