import path from "node:path";

export type UpstreamProject = {
  slug: string;
  version: string;
  root: string;
  /** Served to any client without an account, as PhysioNet serves its open-access projects. */
  open?: boolean;
};

export type RequestTarget = {
  project: UpstreamProject;
  /** Path inside the version directory, "" for its root, always with "/" separators. */
  relativePath: string;
  filePath: string;
  trailingSlash: boolean;
  download: boolean;
};

/**
 * Maps `/files/<slug>/<version>/<path>` to a file under that version's root. Unknown projects and
 * anything that could climb out of the root are null (404), before any authentication, as on PhysioNet.
 */
export function resolveTarget({ url, projects }: { url: string; projects: UpstreamProject[] }): RequestTarget | null {
  const parsed = new URL(url, "http://upstream.invalid");
  const match = /^\/files\/([^/]+)\/([^/]+)(\/.*)?$/.exec(parsed.pathname);
  if (!match) return null;
  const [, slug, version, rest = ""] = match;
  const project = projects.find((p) => p.slug === slug && p.version === version);
  if (!project) return null;

  const segments: string[] = [];
  for (const raw of rest.split("/").filter(Boolean)) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (segment === "." || segment === ".." || segment.includes("/") || segment.includes("\\") || segment.includes("\0")) return null;
    segments.push(segment);
  }
  const root = path.resolve(project.root);
  const filePath = path.resolve(root, ...segments);
  if (filePath !== root && !filePath.startsWith(root + path.sep)) return null;
  return {
    project,
    relativePath: segments.join("/"),
    filePath,
    trailingSlash: rest === "" ? false : rest.endsWith("/"),
    download: parsed.searchParams.has("download"),
  };
}
