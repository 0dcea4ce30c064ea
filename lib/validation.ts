import { z } from "zod";

/**
 * Text PostgreSQL can store: no NUL character (PostgreSQL refuses \u0000 in text and jsonb, so a NUL
 * reaching a query is a 500, or worse, an error in the middle of a streamed answer) and no lone
 * UTF-16 surrogate (it cannot be written as UTF-8; Node would silently turn it into U+FFFD).
 */
export function isStorableText(value: string): boolean {
  return !value.includes("\u0000") && value.isWellFormed();
}

export const STORABLE_TEXT_MESSAGE = "Text may not contain NUL characters or unpaired surrogates";

/** A string that PostgreSQL can store; the base of every free-text field and search parameter. */
export const storableTextSchema = z.string().refine(isStorableText, STORABLE_TEXT_MESSAGE);

/**
 * The first search parameter (name or value) PostgreSQL could not store, or null. proxy.ts refuses
 * such a request for every route; route schemas refine their own fields with storableTextSchema too.
 */
export function unstorableSearchParam(params: URLSearchParams): string | null {
  for (const [k, v] of params) if (!isStorableText(k) || !isStorableText(v)) return k;
  return null;
}

export const emailSchema = z
  .string({ error: "Email is required" })
  .refine(isStorableText, STORABLE_TEXT_MESSAGE)
  .trim()
  .toLowerCase()
  .max(254, "Email is too long")
  .pipe(z.email({ error: "Enter a valid email address, like name@university.edu" }));

export const passwordSchema = z
  .string({ error: "Password is required" })
  .min(12, "Password must be at least 12 characters")
  .max(200, "Password must be at most 200 characters");

export const nameSchema = z.string({ error: "Name is required" }).refine(isStorableText, STORABLE_TEXT_MESSAGE).trim().min(1, "Name is required").max(120, "Name is too long");

export const uuidSchema = z.uuid({ error: "Not a valid id" });

export function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.join(".") || "_";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}
