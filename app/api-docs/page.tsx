import Link from "next/link";
import { API_OPERATIONS, openApiDocument } from "@/lib/api/openapi";
import { requireUser } from "@/lib/auth/current-user";

type OpDoc = { summary: string; description: string; parameters: { name: string; in: string; description?: string }[]; responses: Record<string, { description: string; content?: Record<string, { schema?: unknown; "x-row-schema"?: unknown }> }> };

// The generated OpenAPI document, rendered on the server as a plain list (no CDN viewer).
export default async function ApiDocsPage() {
  const user = await requireUser();
  const doc = openApiDocument();
  return (
    <>
      <h1>labgate HTTP API</h1>
      <p className="muted">
        Read-only, for scripts and notebooks. Send a personal access token from <Link href="/account/tokens">Access tokens</Link> as{" "}
        <code>Authorization: Bearer lgt_…</code>. Every request is checked against your access and audited with the token. Machine-readable:{" "}
        <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI {doc.openapi}). Tokens you make act as {user.email}.
      </p>
      {API_OPERATIONS.map((op) => {
        const d = (doc.paths[op.path] as Record<string, OpDoc>)[op.method]!;
        const ok = d.responses["200"]!;
        const [type, media] = Object.entries(ok.content ?? {})[0] ?? ["", {}];
        return (
          <section className="card" key={op.path} data-testid="api-operation">
            <h2><code>{op.method.toUpperCase()} {op.path}</code></h2>
            <p><strong>{d.summary}.</strong> {d.description}</p>
            {d.parameters.length > 0 && (
              <table>
                <thead><tr><th>parameter</th><th>in</th><th>meaning</th></tr></thead>
                <tbody>{d.parameters.map((p) => <tr key={`${p.in}:${p.name}`}><td><code>{p.name}</code></td><td>{p.in}</td><td>{p.description ?? ""}</td></tr>)}</tbody>
              </table>
            )}
            <p className="small">Answers <code>{type}</code>; errors are JSON <code>{"{ error }"}</code> with 400, 401, 403 or 404.</p>
            <details>
              <summary>Schema</summary>
              <pre className="small">{JSON.stringify(media["x-row-schema"] ?? media.schema ?? {}, null, 2)}</pre>
            </details>
          </section>
        );
      })}
    </>
  );
}
