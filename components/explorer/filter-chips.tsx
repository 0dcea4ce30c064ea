import Link from "next/link";

type Chip = { key: string; text: string; href: string };

/** The filters in force, each removable on its own; the URL stays the state. */
export function FilterChips({ chips }: { chips: Chip[] }) {
  if (chips.length === 0) return null;
  return (
    <ul className="chips" data-testid="filter-chips" aria-label="Active filters">
      {chips.map((c) => (
        <li key={c.key} className="chip" data-testid="filter-chip">
          <span>{c.text}</span>
          <Link prefetch={false} href={c.href} aria-label={`Remove filter ${c.text}`} title="Remove this filter">
            ×
          </Link>
        </li>
      ))}
    </ul>
  );
}
