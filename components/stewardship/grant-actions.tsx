"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { postJson } from "@/components/post-json";
import { GRANT_ACTION_LABELS, REASON_REQUIRED, type GrantAction } from "@/lib/credentialing/grant-transitions";
import { ReasonDialog, type ReasonRequest } from "./reason-dialog";
import styles from "./stewardship.module.css";

export type GrantTarget = { userId: string; email: string; datasetId: string; dataset: string };

const DONE: Record<GrantAction, string> = { approve: "approved", suspend: "suspended", revoke: "revoked", reinstate: "reinstated" };

/** The reason dialog behind every approve / suspend / revoke / reinstate button, and its outcome. */
export function useGrantActions() {
  const router = useRouter();
  const [request, setRequest] = useState<ReasonRequest | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  function ask(target: GrantTarget, action: GrantAction) {
    setNotice(null);
    const label = GRANT_ACTION_LABELS[action];
    setRequest({
      title: `${label} access`,
      description: `${label} the access of ${target.email} to ${target.dataset}. It takes effect on their next request.`,
      label: action === "approve" || action === "reinstate" ? "Note" : "Reason (the member is told)",
      required: REASON_REQUIRED[action],
      confirmLabel: label,
      danger: action === "suspend" || action === "revoke",
      onConfirm: async (reason) => {
        const res = await postJson<{ access: boolean; accessReason: string }>("/api/stewardship/access", { userId: target.userId, datasetId: target.datasetId, action, reason: reason || undefined });
        if (!res.ok) return res.error;
        setNotice(`Access of ${target.email} to ${target.dataset} ${DONE[action]}. ${res.data.access ? "They have access" : "They have no access"} from their next request.`);
        router.refresh();
        return null;
      },
    });
  }

  const dialog = request ? <ReasonDialog request={request} onClose={() => setRequest(null)} /> : null;
  return { ask, dialog, notice };
}

export function GrantButtons({ target, actions, ask }: { target: GrantTarget; actions: readonly GrantAction[]; ask: (t: GrantTarget, a: GrantAction) => void }) {
  if (actions.length === 0) return null;
  return (
    <span className={styles.actions}>
      {actions.map((a) => (
        <button key={a} type="button" className={a === "suspend" || a === "revoke" ? "danger" : "secondary"} aria-label={`${GRANT_ACTION_LABELS[a]} access of ${target.email} to ${target.dataset}`} onClick={() => ask(target, a)}>
          {GRANT_ACTION_LABELS[a]}
        </button>
      ))}
    </span>
  );
}
