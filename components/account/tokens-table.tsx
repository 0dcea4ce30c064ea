"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { postJson } from "@/components/post-json";

export type TokenRow = {
  id: string; name: string; prefix: string; owner: string | null; datasets: string; createdAt: string; expiresAt: string; lastUsedAt: string | null; state: "active" | "expired" | "revoked"; revokedBy: string | null;
};

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : "never");

export function TokensTable({ tokens, showOwner, testId }: { tokens: TokenRow[]; showOwner: boolean; testId: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  async function revoke(id: string) {
    setError(null);
    const res = await postJson(`/api/account/tokens/${id}/revoke`, {});
    if (!res.ok) setError(res.error);
    router.refresh();
  }
  if (tokens.length === 0) return <p className="muted">No tokens.</p>;
  return (
    <>
      {error && <p className="error" role="alert">{error}</p>}
      <table data-testid={testId}>
        <thead>
          <tr><th>Name</th>{showOwner && <th>Member</th>}<th>Token</th><th>Datasets</th><th>Created</th><th>Expires</th><th>Last used</th><th>State</th><th></th></tr>
        </thead>
        <tbody>
          {tokens.map((t) => (
            <tr key={t.id} data-token={t.id}>
              <td>{t.name}</td>
              {showOwner && <td>{t.owner}</td>}
              <td><code>{t.prefix}…</code></td>
              <td>{t.datasets}</td>
              <td>{day(t.createdAt)}</td>
              <td>{day(t.expiresAt)}</td>
              <td>{day(t.lastUsedAt)}</td>
              <td>{t.state === "revoked" ? `revoked${t.revokedBy ? ` by ${t.revokedBy}` : ""}` : t.state}</td>
              <td>{t.state === "active" && <button className="secondary" onClick={() => void revoke(t.id)}>Revoke</button>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
