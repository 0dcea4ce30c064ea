"use client";

import { memo, useDeferredValue, useState } from "react";
import type { HeaderElement } from "@/lib/dicom/header";

type Props = {
  /** null: a JPG file, which has no header; undefined: not loaded yet. */
  header: HeaderElement[] | null | undefined;
  /** The file could not be read, so there is no header to show. */
  failed?: boolean;
};

function searchText(r: HeaderElement): string {
  const bare = r.tag.replace(/[(),]/g, "");
  return `${r.tag} ${bare} ${r.vr ?? ""} ${r.keyword ?? ""} ${r.value}`.toLowerCase();
}

/**
 * The image's DICOM header beside the viewer: every element with tag, VR, keyword and value,
 * searchable. Memoised: the viewer re-renders on every frame of a window/level drag, the header never changes.
 */
export const DicomHeaderPanel = memo(function DicomHeaderPanel({ header, failed }: Props) {
  const [query, setQuery] = useState("");
  const q = useDeferredValue(query.trim().toLowerCase());
  const rows = header && q ? header.filter((r) => searchText(r).includes(q)) : (header ?? []);
  return (
    <aside aria-label="DICOM header" data-testid="dicom-header-panel" style={{ flex: "1 1 300px", minWidth: 0, maxHeight: 512, display: "flex", flexDirection: "column" }}>
      <h3 style={{ margin: "0 0 .4rem" }}>DICOM header</h3>
      {header === undefined && <p className="muted">{failed ? "Not available: the file could not be read." : "Shown once the image is loaded."}</p>}
      {header === null && <p className="muted">A JPG file has no DICOM header.</p>}
      {header && (
        <>
          <input type="search" aria-label="Search the DICOM header" placeholder="Tag, keyword or value" value={query} onChange={(e) => setQuery(e.target.value)} />
          <p className="muted small" data-testid="dicom-header-count" style={{ margin: ".3rem 0" }}>
            {q ? `${rows.length} of ${header.length} elements match` : `${header.length} elements`}
          </p>
          <div style={{ overflow: "auto", flex: 1 }}>
            <table data-testid="dicom-header" className="small" style={{ width: "100%" }}>
              <thead>
                <tr><th>Tag</th><th>VR</th><th>Name</th><th>Value</th></tr>
              </thead>
              <tbody>
                {rows.map((r, i) => (
                  <tr key={i} data-tag={r.tag}>
                    {/* A tag never breaks; long keywords and values wrap, so the value stays in view without scrolling sideways. */}
                    <td style={{ paddingLeft: `${0.3 + r.depth}rem`, whiteSpace: "nowrap" }}><code style={{ whiteSpace: "nowrap", wordBreak: "normal" }}>{r.tag}</code></td>
                    <td>{r.vr ?? ""}</td>
                    <td style={{ overflowWrap: "anywhere" }}>{r.keyword ?? <span className="muted">unknown</span>}</td>
                    <td style={{ overflowWrap: "anywhere" }}>{r.value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </aside>
  );
});
