import "server-only";
import { realpathSync, statSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/http/errors";

export const importRequestSchema = z.object({
  dir: z
    .string()
    .trim()
    .min(1, "Name the directory in lab storage to import")
    .max(500)
    .refine((d) => !path.isAbsolute(d) && !d.split(/[\\/]/).includes(".."), "Give a path inside lab storage, like mimic-cxr-jpg/2.1.0"),
});

/**
 * Resolves a steward-typed path inside lab storage. Symlinks are followed before the check, so a link
 * pointing elsewhere on the server cannot be imported through this form.
 */
export function resolveStorageDir(relative: string): string {
  const root = path.resolve(getEnv().LABGATE_STORAGE_DIR);
  let real: string;
  try {
    real = realpathSync(path.join(root, relative));
  } catch {
    throw new AppError("bad_request", `There is no directory ${relative} in lab storage`, { dir: [`There is no directory ${relative} in lab storage`] });
  }
  const realRoot = realpathSync(root);
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) throw new AppError("bad_request", "That path leaves lab storage", { dir: ["That path leaves lab storage"] });
  if (!statSync(real).isDirectory()) throw new AppError("bad_request", `${relative} is a file, not a version directory`, { dir: [`${relative} is a file, not a version directory`] });
  return real;
}
