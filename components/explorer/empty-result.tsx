import Link from "next/link";

type Drop = { key: string; text: string; href: string; studies: number };

/** No study matches: say which filter to drop, with what each drop would find. */
export function EmptyResult({ drops, clearHref }: { drops: Drop[]; clearHref: string }) {
  return (
    <div className="card" data-testid="empty-result">
      <p><strong>No studies match these filters.</strong></p>
      {drops.length > 0 ? (
        <>
          <p>Drop a filter:</p>
          <ul>
            {drops.map((d) => (
              <li key={d.key}>
                <Link prefetch={false} href={d.href}>Without {d.text}</Link>{" "}
                <span className="muted">
                  → {d.studies.toLocaleString("en-US")} {d.studies === 1 ? "study" : "studies"}
                </span>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p className="muted">This dataset version holds no studies yet.</p>
      )}
      {drops.length > 1 && <p><Link prefetch={false} href={clearHref}>Clear all filters</Link></p>}
    </div>
  );
}
