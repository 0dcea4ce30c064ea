/** Runs `work` for 0..count-1 with at most `limit` at once; resolves when all have settled. */
export async function eachLimited(count: number, limit: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const runner = async () => {
    for (let i = next++; i < count; i = next++) await work(i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, runner));
}
