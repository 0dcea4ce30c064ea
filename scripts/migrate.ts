import { AppRoleError, ensureAppRole } from "./lib/app-role";
import { runMigrations } from "./lib/database";
import { ensureAuthSecret, loadDotEnv } from "./lib/runtime-env";

loadDotEnv();
const url = process.env.DATABASE_URL;
if (!url) {
  console.error("labgate: set DATABASE_URL (npm start migrates the embedded database by itself)");
  process.exit(2);
}
await runMigrations(url);
console.log("labgate: migrations applied");
// The app role's grants follow every migration run: new tables, and append-only ones narrowed again.
ensureAuthSecret();
try {
  const appUrl = await ensureAppRole(url);
  console.log(`labgate: grants for the app role ${decodeURIComponent(new URL(appUrl).username)} applied`);
} catch (e) {
  console.error(e instanceof AppRoleError ? e.message : e);
  process.exit(1);
}
