import type pg from "pg";

/**
 * pool.end() resolves when the pool has let go of its clients, not when their connections have
 * closed: a server stopped (or the database dropped WITH FORCE) right after it sends "terminating connection due to administrator
 * command" to clients still saying goodbye, and pg throws that as an uncaught exception, which
 * fails the whole Vitest run. This waits for every client's own end. (tests/support/isolated-database.ts
 * waits on the server's side instead, for the app's own pool, which it does not hold.)
 */
export async function endPoolAndWait(pool: pg.Pool): Promise<void> {
  const open = pool.totalCount;
  let closed = 0;
  const allClosed = new Promise<void>((resolve) => {
    if (open === 0) resolve();
    pool.on("remove", () => {
      if (++closed >= open) resolve();
    });
  });
  await pool.end();
  await allClosed;
}
