"use client";
import { usePathname } from "next/navigation";
import { useState } from "react";

/**
 * The header's links; under 900 px they fold behind a Menu button (CSS decides when the button
 * shows). The menu closes on navigation: its open state is kept per path.
 */
export function NavMenu({ children }: { children: React.ReactNode }) {
  const path = usePathname();
  const [openOn, setOpenOn] = useState<string | null>(null);
  const open = openOn === path;
  return (
    <>
      <button type="button" className="menu-button secondary" aria-expanded={open} aria-controls="main-nav" onClick={() => setOpenOn(open ? null : path)}>
        Menu
      </button>
      <nav id="main-nav" aria-label="Main" className={open ? "open" : undefined}>
        {children}
      </nav>
    </>
  );
}
