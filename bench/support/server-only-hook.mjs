// Imported first (`--import`) by the bench's manifest server: route handlers import "server-only",
// which throws outside React's server condition, and that condition breaks next/navigation under
// plain Node. The guard is for bundles; this process is server code by construction.
import { register } from "node:module";

const hooks = `export async function resolve(specifier, context, next) {
  if (specifier === "server-only") return { url: "data:text/javascript,export{}", shortCircuit: true };
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
