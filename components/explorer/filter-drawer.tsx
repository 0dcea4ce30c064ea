"use client";
import { usePathname, useSearchParams } from "next/navigation";
import { useEffect, useRef, useState } from "react";

/**
 * The explorer's filters (search form and facets). Wide screens show them in place (the wrapper is
 * `display: contents`, so its children sit in the explorer's grid); under 900 px they open from a
 * Filters button as a panel over the page (CSS decides which). Like the header's menu, the panel
 * closes on navigation: its open state is kept per URL, and every filter is a link or a GET form.
 */
export function FilterDrawer({ active, children }: { active: number; children: React.ReactNode }) {
  const url = `${usePathname()}?${useSearchParams().toString()}`;
  const [openOn, setOpenOn] = useState<string | null>(null);
  const open = openOn === url;
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    panel.current?.focus();
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && setOpenOn(null);
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [open]);
  return (
    <>
      <button type="button" className="filter-open secondary" aria-expanded={open} aria-controls="explorer-filters" onClick={() => setOpenOn(open ? null : url)}>
        Filters{active > 0 ? ` (${active})` : ""}
      </button>
      <div id="explorer-filters" ref={panel} tabIndex={-1} className={open ? "filter-drawer open" : "filter-drawer"} data-testid="filter-drawer">
        <div className="filter-drawer-head">
          <h2>Filters</h2>
          <button type="button" className="secondary" onClick={() => setOpenOn(null)}>Close</button>
        </div>
        {children}
      </div>
    </>
  );
}
