// Whether the name on a CITI report (or the initials on a DUA) is plausibly the member's own name,
// the way a careful reviewer reads it: case, accents, punctuation and word order do not matter, a
// middle name may be left out, and a first name may be an initial. A mismatch is not a refusal, it
// is a warning the steward must answer (lib/credentialing/review-queue.ts). Pure, so it is tested
// on its own.

export type NameCheck = { matches: boolean; detail: string };

/** Lower-case letters only, accents removed: "García-López, José" → ["garcia", "lopez", "jose"]. */
export function nameTokens(name: string): string[] {
  return name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .split(/[^\p{L}]+/u)
    .filter(Boolean);
}

/** Matches each token of `few` to a distinct token of `many`: the same word, or a word and its initial. */
function covers(few: string[], many: string[]): boolean {
  const left = [...many];
  // Whole words first, so "J Smith" vs "John Smith" does not spend "smith" on the "j".
  const ordered = [...few].sort((a, b) => b.length - a.length);
  for (const t of ordered) {
    let i = left.indexOf(t);
    if (i < 0) i = left.findIndex((m) => (t.length === 1 ? m.startsWith(t) : m.length === 1 && t.startsWith(m)));
    if (i < 0) return false;
    left.splice(i, 1);
  }
  return true;
}

export function compareNames(reported: string, member: string): NameCheck {
  const a = nameTokens(reported);
  const b = nameTokens(member);
  if (a.length === 0 || b.length === 0) return { matches: false, detail: "One of the names is empty" };
  const [few, many] = a.length <= b.length ? [a, b] : [b, a];
  // At least one whole word (usually the surname) must agree, beyond initials.
  const sharedWord = few.some((t) => t.length > 1 && many.includes(t));
  if (few.length >= 2 && sharedWord && covers(few, many)) return { matches: true, detail: `"${reported}" matches "${member}"` };
  return { matches: false, detail: `The name "${reported}" does not match the member's name "${member}"` };
}

/** DUA initials against the member's name: each letter is the first letter of a distinct name word. */
export function compareInitials(initials: string, member: string): NameCheck {
  const letters = nameTokens(initials).join("").split("");
  const words = nameTokens(member).map((w) => w[0]!);
  if (letters.length < 2) return { matches: false, detail: `"${initials}" is not a member's initials` };
  const left = [...words];
  for (const l of letters) {
    const i = left.indexOf(l);
    if (i < 0) return { matches: false, detail: `The initials "${initials}" do not match the member's name "${member}"` };
    left.splice(i, 1);
  }
  return { matches: true, detail: `"${initials}" are initials of "${member}"` };
}
