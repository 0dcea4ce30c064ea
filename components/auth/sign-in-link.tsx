"use client";
import Link from "next/link";
import { usePathname, useSearchParams } from "next/navigation";

/** "Go to sign-in" that brings the person back to the page they asked for (the login page checks it). */
export function SignInLink() {
  const pathname = usePathname();
  const query = useSearchParams().toString();
  const here = `${pathname}${query ? `?${query}` : ""}`;
  const href = pathname && pathname !== "/" && pathname !== "/login" ? `/login?callbackUrl=${encodeURIComponent(here)}` : "/login";
  return (
    <Link className="button" href={href}>
      Go to sign-in
    </Link>
  );
}
