import { writeFile } from "node:fs/promises";
import path from "node:path";
import { withPrivateWgetrc, type PrivateWgetDir, type WgetCredentials } from "@/lib/physionet/wget/private-wgetrc";

export type LaneDir = PrivateWgetDir & { cookiesPath: string };

/**
 * A private 0700 directory for one lane's wget runs: the 0600 wgetrc with the password, the CA
 * certificate, and a cookie jar so PhysioNet's session cookie carries over from one batch to the
 * next. Everything is deleted when `fn` ends, whatever happens.
 */
export function withLaneDir<T>({ credentials, caCertificate }: { credentials: WgetCredentials; caCertificate: string | null }, fn: (dir: LaneDir) => Promise<T>): Promise<T> {
  return withPrivateWgetrc({ credentials, caCertificate }, async (dir) => {
    const cookiesPath = path.join(dir.dir, "cookies.txt");
    await writeFile(cookiesPath, "# Netscape HTTP Cookie File\n", { mode: 0o600, flag: "wx" });
    return fn({ ...dir, cookiesPath });
  });
}
