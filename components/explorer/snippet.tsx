import { HIGHLIGHT_START, HIGHLIGHT_STOP } from "@/lib/mimic/browse/highlight";

/** Renders a search snippet; highlights arrive as control-character markers, never as HTML. */
export function Snippet({ text }: { text: string }) {
  const parts = text.split(HIGHLIGHT_START);
  return (
    <span className="snippet" data-testid="snippet">
      {parts.map((part, i) => {
        if (i === 0) return <span key={i}>{part}</span>;
        const [hit, rest] = part.split(HIGHLIGHT_STOP);
        return (
          <span key={i}>
            <mark>{hit}</mark>
            {rest}
          </span>
        );
      })}
    </span>
  );
}
