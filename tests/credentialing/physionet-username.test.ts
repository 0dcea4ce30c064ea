import { describe, expect, test } from "vitest";
import { PHYSIONET_USERNAME_PATTERN, physionetUsernameProblem, physionetUsernameSchema } from "@/lib/credentialing/physionet-username";

const parse = (input: unknown) => {
  const result = physionetUsernameSchema.safeParse(input);
  return result.success ? { ok: true as const, value: result.data } : { ok: false as const, messages: result.error.issues.map((i) => i.message) };
};

describe("PhysioNet usernames", () => {
  test.each([
    ["abcd", "abcd"],
    ["AnaSouza", "anasouza"],
    ["a-b-", "a-b-"],
    ["x123", "x123"],
    ["Z---", "z---"],
    ["  tom-lee  ", "tom-lee"],
    ["a".repeat(50), "a".repeat(50)],
  ])("%j is accepted as %j", (input, value) => {
    expect(parse(input)).toEqual({ ok: true, value });
  });

  test.each([
    ["", "Enter your PhysioNet username"],
    ["   ", "Enter your PhysioNet username"],
    ["abc", "at least 4 characters"],
    ["a".repeat(51), "at most 50 characters"],
    ["1abc", "starts with a letter"],
    ["-abc", "starts with a letter"],
    ["_abc", "starts with a letter"],
    ["ana_souza", "only letters, digits and - (hyphen)"],
    ["ana.souza", "only letters, digits and - (hyphen)"],
    ["ana souza", "only letters, digits and - (hyphen)"],
    ["ana@example.org", "not your email address"],
    ["josé", "only letters, digits and - (hyphen)"],
    ["ab\ncd", "only letters, digits and - (hyphen)"],
  ])("%j is refused: %s", (input, message) => {
    const result = parse(input);
    expect(result.ok).toBe(false);
    // One message, the most specific one, so the form shows a single clear error.
    expect(!result.ok && result.messages).toEqual([expect.stringContaining(message)]);
  });

  test("a missing value is refused with a message, not an exception", () => {
    expect(parse(undefined)).toEqual({ ok: false, messages: ["Enter your PhysioNet username"] });
    expect(parse(42)).toEqual({ ok: false, messages: ["Enter your PhysioNet username"] });
  });

  test("the pattern is PhysioNet's and the problem check agrees with it on every length", () => {
    for (let n = 0; n <= 52; n++) {
      const name = "a".repeat(n);
      expect(physionetUsernameProblem(name) === null).toBe(PHYSIONET_USERNAME_PATTERN.test(name));
      expect(physionetUsernameProblem(name) === null).toBe(n >= 4 && n <= 50);
    }
  });
});
