import type { AccessStep, AccessStepId, AccessStepStatus } from "./access-rule";

// What every checklist step builder shares: titles, date arithmetic and the step shape.

export const ACCESS_STEP_TITLES: Record<AccessStepId, string> = {
  "physionet-account": "PhysioNet account",
  training: "CITI training",
  credentialing: "PhysioNet credentialing",
  dua: "Data use agreement",
  "responsible-use": "Responsible use of online services",
  verification: "Verify with PhysioNet",
  approval: "Steward approval",
};

export const DAY_MS = 86_400_000;

export const day = (d: Date) => d.toISOString().slice(0, 10);
export const fromDay = (iso: string) => new Date(`${iso}T00:00:00Z`);
export const addDays = (d: Date, days: number) => new Date(d.getTime() + days * DAY_MS);
export const daysBetween = (from: Date, to: Date) => Math.max(0, Math.floor((to.getTime() - from.getTime()) / DAY_MS));
export const latest = <T>(items: readonly T[], at: (t: T) => Date): T | undefined => [...items].sort((a, b) => at(b).getTime() - at(a).getTime())[0];

type Fields = { summary: string; nextAction?: string | null; link?: string | null; since?: Date | null; expiresAt?: Date | null; waitingDays?: number | null; blocking?: boolean };

export function step(id: AccessStepId, status: AccessStepStatus, f: Fields): AccessStep {
  return {
    id,
    title: ACCESS_STEP_TITLES[id],
    status,
    blocking: f.blocking ?? status !== "done",
    summary: f.summary,
    nextAction: f.nextAction ?? null,
    link: f.link ?? null,
    since: f.since ?? null,
    expiresAt: f.expiresAt ?? null,
    waitingDays: f.waitingDays ?? null,
  };
}

