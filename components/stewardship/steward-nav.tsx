import Link from "next/link";
import styles from "./stewardship.module.css";

const LINKS = [
  { href: "/stewardship/queue", label: "Review queue" },
  { href: "/stewardship/access", label: "Access matrix" },
  { href: "/stewardship/expiring", label: "Expiring soon" },
  { href: "/stewardship/reviews", label: "Access reviews" },
  { href: "/stewardship/retention", label: "Retention" },
] as const;

// Rendered by each steward page after its requireRole call, not by a layout (layouts are no guard).
export function StewardNav({ current }: { current?: (typeof LINKS)[number]["href"] }) {
  return (
    <nav className={styles.subnav} aria-label="Steward tools">
      {LINKS.map((l) => (
        <Link key={l.href} href={l.href} aria-current={l.href === current ? "page" : undefined}>
          {l.label}
        </Link>
      ))}
    </nav>
  );
}
