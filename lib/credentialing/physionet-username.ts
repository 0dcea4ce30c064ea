import { z } from "zod";

// PhysioNet's own rule (physionet-build, user/validators.py UsernameValidator):
// ^[a-zA-Z][a-zA-Z0-9-]{3,49}$ — 4 to 50 characters, letters, digits and "-", letter first.
// PhysioNet lower-cases usernames when an account is registered, so labgate stores them lower-case
// and a member typing "AnaSouza" finds the same account as "anasouza".
export const PHYSIONET_USERNAME_PATTERN = /^[a-zA-Z][a-zA-Z0-9-]{3,49}$/;

/** The one most useful message for a username PhysioNet would refuse; null when it is valid. */
export function physionetUsernameProblem(username: string): string | null {
  if (username === "") return "Enter your PhysioNet username";
  if (username.length < 4) return "A PhysioNet username has at least 4 characters";
  if (username.length > 50) return "A PhysioNet username has at most 50 characters";
  if (!/^[a-zA-Z]/.test(username)) return "A PhysioNet username starts with a letter";
  if (!PHYSIONET_USERNAME_PATTERN.test(username)) {
    return "A PhysioNet username contains only letters, digits and - (hyphen); use your username, not your email address";
  }
  return null;
}

/** Form and server share this: trims, validates like PhysioNet, and yields the lower-case username. */
export const physionetUsernameSchema = z
  .string({ error: "Enter your PhysioNet username" })
  .trim()
  .superRefine((value, ctx) => {
    const problem = physionetUsernameProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .transform((value) => value.toLowerCase());
