import type { AccessDecision, AccessGrantStatus, AccessStepId } from "./access-rule";
import { ACCESS_STEP_TITLES } from "./access-step-kit";
import { availableGrantActions, type GrantAction } from "./grant-transitions";

// What the steward's access matrix shows in each cell, derived from the access rule's decision.
// Pure and serialisable: the page, its client table and the CSV export all use these same values,
// so the export is exactly what the page shows.

export const MATRIX_CELL_STATES = ["access", "expiring", "awaiting_approval", "incomplete", "suspended", "revoked"] as const;
export type MatrixCellState = (typeof MATRIX_CELL_STATES)[number];

export const MATRIX_STATUS_FILTERS = {
  any: "any status",
  access: "has access",
  expiring: "expiring soon",
  no_access: "no access",
  awaiting_approval: "awaiting approval",
  incomplete: "step missing",
  suspended: "suspended",
  revoked: "revoked",
} as const;
export type MatrixStatusFilter = keyof typeof MATRIX_STATUS_FILTERS;

export type MatrixCell = {
  state: MatrixCellState;
  /** The cell's text: "access", "expires in 12 days", "CITI training: pending", "revoked"… */
  label: string;
  /** The rule's explanation (shown on hover). */
  reason: string;
  missingStep: AccessStepId | null;
  expiresAt: string | null;
  expiringInDays: number | null;
  grant: AccessGrantStatus | null;
  actions: GrantAction[];
  /** The steward's approval (or PhysioNet's verification standing in), while it counts. */
  approvedOn: string | null;
  /** When the accepted training stops counting for this version; null without one or without expiry. */
  trainingValidUntil: string | null;
  /** When the member last attested to responsible use of online services, where the lab requires it. */
  responsibleUseOn: string | null;
  /** The member's newest read of this version's data, from the audit log. */
  lastAccess: string | null;
  /** When the last step before approval was done (the newest of their dates): how long the member has waited. */
  readySince: string | null;
};
export type MatrixDataset = { id: string; label: string };
export type MatrixMemberView = { id: string; name: string; email: string; role: string; physionetUsername: string | null };
export type MatrixRow = { member: MatrixMemberView; cells: Record<string, MatrixCell> };
export type MatrixView = { datasets: MatrixDataset[]; rows: MatrixRow[] };

type MatrixInput = {
  datasets: { id: string; slug: string; version: string }[];
  rows: { member: MatrixMemberView; cells: Record<string, AccessDecision> }[];
};

const latest = (dates: (Date | null)[]) => {
  const t = dates.flatMap((d) => (d ? [d.getTime()] : []));
  return t.length ? new Date(Math.max(...t)).toISOString() : null;
};
const plural = (n: number) => `${n} day${n === 1 ? "" : "s"}`;

export function matrixCell(decision: AccessDecision, grant: AccessGrantStatus | null, lastAccess: Date | null = null): MatrixCell {
  const readyForApproval = decision.steps.every((s) => s.id === "approval" || !s.blocking);
  const approval = decision.steps.find((s) => s.id === "approval");
  const training = decision.steps.find((s) => s.id === "training");
  const base = {
    approvedOn: approval?.status === "done" ? (approval.since?.toISOString() ?? null) : null,
    trainingValidUntil: training?.status === "done" ? (training.expiresAt?.toISOString() ?? null) : null,
    responsibleUseOn: decision.steps.find((s) => s.id === "responsible-use")?.since?.toISOString() ?? null,
    lastAccess: lastAccess?.toISOString() ?? null,
    readySince: readyForApproval ? latest(decision.steps.filter((s) => s.id !== "approval" && s.id !== "verification").map((s) => s.since)) : null,
    reason: decision.reason,
    missingStep: decision.missingStep,
    expiresAt: decision.expiresAt?.toISOString() ?? null,
    expiringInDays: decision.expiringInDays,
    grant,
    // Without a grant and without access there is nothing to take away: only approval is offered.
    actions: grant === null && !decision.access ? (readyForApproval ? (["approve"] as GrantAction[]) : []) : availableGrantActions(grant, { readyForApproval }),
  };
  if (decision.access) {
    const n = decision.expiringInDays;
    if (n === null) return { ...base, state: "access", label: "access" };
    return { ...base, state: "expiring", label: n === 0 ? "expires today" : `expires in ${plural(n)}` };
  }
  const step = decision.steps.find((s) => s.id === decision.missingStep);
  if (step?.id === "approval" && (step.status === "revoked" || step.status === "suspended")) return { ...base, state: step.status, label: step.status };
  if (step?.id === "approval" && step.status === "pending") return { ...base, state: "awaiting_approval", label: "awaiting approval" };
  const title = decision.missingStep ? ACCESS_STEP_TITLES[decision.missingStep] : "access";
  return { ...base, state: "incomplete", label: `${title}: ${step?.status ?? "missing"}` };
}

export function toMatrixView(matrix: MatrixInput, grants: ReadonlyMap<string, AccessGrantStatus>, lastAccess: ReadonlyMap<string, Date> = new Map()): MatrixView {
  return {
    datasets: matrix.datasets.map((d) => ({ id: d.id, label: `${d.slug} ${d.version}` })),
    rows: matrix.rows.map((r) => ({
      member: r.member,
      cells: Object.fromEntries(Object.entries(r.cells).map(([datasetId, d]) => [datasetId, matrixCell(d, grants.get(`${r.member.id}:${datasetId}`) ?? null, lastAccess.get(`${r.member.id}:${datasetId}`) ?? null)])),
    })),
  };
}

/** The cell as text, on the page and in the CSV: the expiry date is added while access is ending. */
export function cellText(cell: MatrixCell): string {
  return cell.state === "expiring" && cell.expiresAt ? `${cell.label} (${cell.expiresAt.slice(0, 10)})` : cell.label;
}

/** The dates beside each dataset's cell, on the page and as CSV columns, in this order. */
export const MATRIX_CELL_DATES = [
  ["approvedOn", "approved on"],
  ["expiresAt", "expires on"],
  ["trainingValidUntil", "training valid until"],
  ["responsibleUseOn", "responsible use attested"],
  ["lastAccess", "last data access"],
] as const satisfies readonly (readonly [keyof MatrixCell, string])[];

/** Members ready for approval (every step done, awaiting the steward), one entry per pair, oldest member name first. */
export function readyForApprovalPairs(view: MatrixView): { userId: string; name: string; email: string; datasetId: string; dataset: string; since: string | null }[] {
  return view.rows.flatMap((r) =>
    view.datasets.flatMap((d) => {
      const c = r.cells[d.id];
      return c?.state === "awaiting_approval" ? [{ userId: r.member.id, name: r.member.name, email: r.member.email, datasetId: d.id, dataset: d.label, since: c.readySince }] : [];
    }),
  );
}

export type MatrixFilter = { q?: string; status?: MatrixStatusFilter; datasetId?: string };

export function cellMatchesStatus(cell: MatrixCell, status: MatrixStatusFilter): boolean {
  switch (status) {
    case "any":
      return true;
    case "access":
      return cell.state === "access" || cell.state === "expiring";
    case "no_access":
      return cell.state !== "access" && cell.state !== "expiring";
    default:
      return cell.state === status;
  }
}

/** A member row matches the text on name, email or PhysioNet username, and the status in any (or the chosen) dataset. */
export function rowMatchesFilter(row: MatrixRow, f: MatrixFilter): boolean {
  const q = f.q?.trim().toLowerCase();
  if (q && ![row.member.name, row.member.email, row.member.physionetUsername ?? ""].some((s) => s.toLowerCase().includes(q))) return false;
  const status = f.status ?? "any";
  if (status === "any") return true;
  const cells = f.datasetId ? [row.cells[f.datasetId]].filter((c) => c !== undefined) : Object.values(row.cells);
  return cells.some((c) => cellMatchesStatus(c, status));
}

const STATE_RANK: Record<MatrixCellState, number> = { access: 0, expiring: 1, awaiting_approval: 2, incomplete: 3, suspended: 4, revoked: 5 };

/** Sorts access first, soonest expiry first among the expiring. */
export function compareCells(a: MatrixCell | undefined, b: MatrixCell | undefined): number {
  if (!a || !b) return (a ? 0 : 1) - (b ? 0 : 1);
  return STATE_RANK[a.state] - STATE_RANK[b.state] || (a.expiringInDays ?? 0) - (b.expiringInDays ?? 0) || a.label.localeCompare(b.label);
}

export type ExpiringPair = {
  userId: string;
  name: string;
  email: string;
  datasetId: string;
  dataset: string;
  expiresAt: string;
  daysLeft: number;
  /** The step whose validity ends first: training, or a PhysioNet check standing in for approval. */
  cause: string;
  grant: AccessGrantStatus | null;
  actions: GrantAction[];
};

/** Pairs holding access now that end by themselves within `days`, soonest first. */
export function expiringPairs(matrix: MatrixInput, grants: ReadonlyMap<string, AccessGrantStatus>, opts: { now: Date; days: number }): ExpiringPair[] {
  const horizon = opts.now.getTime() + opts.days * 86_400_000;
  const out: ExpiringPair[] = [];
  for (const r of matrix.rows) {
    for (const d of matrix.datasets) {
      const decision = r.cells[d.id];
      if (!decision?.access || !decision.expiresAt || decision.expiresAt.getTime() > horizon) continue;
      const ending = decision.steps.find((s) => s.id !== "verification" && s.expiresAt?.getTime() === decision.expiresAt!.getTime());
      const grant = grants.get(`${r.member.id}:${d.id}`) ?? null;
      out.push({
        userId: r.member.id,
        name: r.member.name,
        email: r.member.email,
        datasetId: d.id,
        dataset: `${d.slug} ${d.version}`,
        expiresAt: decision.expiresAt.toISOString(),
        daysLeft: Math.max(0, Math.ceil((decision.expiresAt.getTime() - opts.now.getTime()) / 86_400_000)),
        cause: ending ? (ending.id === "approval" ? "PhysioNet verification standing in for approval" : ending.title) : "—",
        grant,
        actions: availableGrantActions(grant, { readyForApproval: false }).filter((a) => a === "suspend" || a === "revoke"),
      });
    }
  }
  return out.sort((a, b) => a.expiresAt.localeCompare(b.expiresAt) || a.name.localeCompare(b.name));
}
