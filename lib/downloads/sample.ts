import { createHash } from "node:crypto";

/**
 * A reproducible random N% of studies: each study gets a score from a hash of (seed, study id), and
 * the lowest-scoring round(N% × count) are taken. The same seed and the same version always give the
 * same studies, whatever order the manifest lists them in, and a larger percentage with the same seed
 * contains the smaller one.
 */
export function sampleStudies({ studyIds, percent, seed }: { studyIds: Iterable<number>; percent: number; seed: number }): Set<number> {
  const scored: { id: number; score: string }[] = [];
  for (const id of studyIds) scored.push({ id, score: createHash("sha256").update(`${seed}:${id}`).digest("hex").slice(0, 16) });
  scored.sort((a, b) => (a.score < b.score ? -1 : a.score > b.score ? 1 : a.id - b.id));
  const take = Math.min(scored.length, Math.max(scored.length > 0 ? 1 : 0, Math.round((scored.length * percent) / 100)));
  return new Set(scored.slice(0, take).map((s) => s.id));
}
