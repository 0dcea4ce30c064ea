"use client";

// Shown for unexpected server errors; the digest lets an operator find the log line, nothing more leaks.
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="card center-card">
      <h1>Something went wrong</h1>
      <p>The page could not be shown. Please try again.</p>
      {error.digest && <p className="muted">Reference: {error.digest}</p>}
      <button type="button" onClick={reset}>Try again</button>
    </div>
  );
}
