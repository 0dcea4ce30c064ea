import Link from "next/link";
import { headers } from "next/headers";
import { getCurrentUser } from "@/lib/auth/current-user";
import { explainDatasetRefusal } from "@/lib/credentialing/refusal";

// Rendered for every forbidden(): when the path names a dataset version, the member reads which of
// their own steps is missing, with the way to their checklist.
export default async function Forbidden() {
  const user = await getCurrentUser();
  const path = (await headers()).get("x-labgate-path") ?? "";
  const refusal = user ? await explainDatasetRefusal({ labId: user.labId, userId: user.id, path }) : null;
  return (
    <div className="card center-card">
      <h1>Not allowed</h1>
      {refusal ? (
        <p data-testid="refusal">
          You have no access to {refusal.dataset} yet{refusal.step ? <> — the missing step is <strong>{refusal.step}</strong></> : null}: {refusal.reason}.
        </p>
      ) : (
        <p>
          You do not have access to this page. A dataset opens only when your credentialing checklist is complete for that exact version and a
          data steward has approved your access; other pages depend on your role in the lab.
        </p>
      )}
      <p>
        {user && <><Link prefetch={false} href="/credentialing">Open your access checklist</Link> · </>}
        <Link prefetch={false} href="/help">How access works</Link> · <Link prefetch={false} href="/">Back to home</Link>
      </p>
    </div>
  );
}
