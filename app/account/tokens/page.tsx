import Link from "next/link";
import { CreateTokenForm } from "@/components/account/create-token-form";
import { TokensTable, type TokenRow } from "@/components/account/tokens-table";
import { listTokens, type TokenListItem } from "@/lib/api-tokens/list-tokens";
import { requireUser } from "@/lib/auth/current-user";
import { roleAtLeast } from "@/lib/auth/roles";
import { listLabDatasets } from "@/lib/datasets/find-dataset";

export default async function TokensPage() {
  const user = await requireUser();
  const steward = roleAtLeast(user.role, "steward");
  const [own, lab, datasets] = await Promise.all([
    listTokens({ labId: user.labId, userId: user.id }),
    steward ? listTokens({ labId: user.labId }) : Promise.resolve([]),
    listLabDatasets({ labId: user.labId, userId: user.id }),
  ]);
  const names = new Map(datasets.map((d) => [d.id, `${d.slug} ${d.version}`]));
  const row = (t: TokenListItem): TokenRow => ({
    id: t.id, name: t.name, prefix: t.prefix, owner: `${t.owner.name} <${t.owner.email}>`,
    datasets: t.datasetIds.length ? t.datasetIds.map((id) => names.get(id) ?? "removed version").join(", ") : "all you may read",
    createdAt: t.createdAt.toISOString(), expiresAt: t.expiresAt.toISOString(), lastUsedAt: t.lastUsedAt?.toISOString() ?? null, state: t.state, revokedBy: t.revokedByName,
  });
  return (
    <>
      <h1>Access tokens</h1>
      <p className="muted">
        A token lets a script or notebook read what you may read, through labgate&apos;s HTTP API (<Link href="/api-docs">API reference</Link>) and
        the <code>npm run labgate -- pull</code> command. Every request is checked against your access and audited with the token.
      </p>
      <div className="card">
        <h2>New token</h2>
        <CreateTokenForm datasets={datasets.filter((d) => d.hasAccess).map((d) => ({ id: d.id, label: `${d.title} ${d.version}` }))} />
      </div>
      <div className="card">
        <h2>Your tokens</h2>
        <TokensTable tokens={own.map(row)} showOwner={false} testId="own-tokens" />
      </div>
      {steward && (
        <div className="card">
          <h2>Every token in the lab</h2>
          <p className="muted">As a steward you may revoke any member&apos;s token, e.g. one found in a leak.</p>
          <TokensTable tokens={lab.map(row)} showOwner testId="lab-tokens" />
        </div>
      )}
    </>
  );
}
