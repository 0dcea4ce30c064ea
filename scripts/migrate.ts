import { runMigrations } from "./lib/database";
import { loadDotEnv } from "./lib/runtime-env";

loadDotEnv();
const url = process.env.DATABASE_URL;
if (!url) {
  console.error("labgate: set DATABASE_URL (npm start migrates the embedded database by itself)");
  process.exit(2);
}
await runMigrations(url);
console.log("labgate: migrations applied");
