"use client";
import { useSyncExternalStore } from "react";
import { isoDate, isoDateTime, localDateTime } from "@/lib/format/date";

const noSubscription = () => () => {};

/**
 * Every date on a page goes through here: ISO text that is the same on the server and in the
 * browser, and the reader's local time with its zone on hover (only in the browser, since the
 * server does not know the reader's zone). A calendar date ("2027-01-31") has no time to localise.
 */
export function DateTime({ value, withTime = false, testId }: { value: Date | string | null | undefined; withTime?: boolean; testId?: string }) {
  const inBrowser = useSyncExternalStore(noSubscription, () => true, () => false);
  if (!value) return <span className="muted">—</span>;
  const calendar = typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value);
  const stamp = calendar ? (value as string) : new Date(value).toISOString();
  return (
    <time dateTime={stamp} title={inBrowser && !calendar ? localDateTime(stamp) : undefined} data-testid={testId}>
      {withTime && !calendar ? isoDateTime(value) : isoDate(value)}
    </time>
  );
}
