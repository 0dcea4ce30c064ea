import { describe, expect, it } from "vitest";
import { compareInitials, compareNames, nameTokens } from "@/lib/credentialing/name-match";

describe("compareNames: the CITI learner name against the member's name", () => {
  it.each([
    ["José María García-López", "garcia lopez jose"],
    ["J. Smith", "John Smith"],
    ["John Smith", "J. Smith"],
    ["SMITH, JOHN", "John Smith"],
    ["John Alan Smith", "John A. Smith"],
    ["John Smith", "John Michael Smith"],
    ["Zoë O'Brien", "Zoe OBrien Murphy".replace("OBrien", "O Brien")],
    ["Nguyễn Thị Minh Khai", "Khai Nguyen"],
  ])("%s ~ %s", (reported, member) => {
    expect(compareNames(reported, member)).toMatchObject({ matches: true });
  });

  it.each([
    ["Jane Doe", "John Smith"],
    ["Jane Smith", "John Smith"],
    ["Smith", "John Smith"],
    ["J. Doe", "John Smith"],
    ["", "John Smith"],
    ["John Smith", "Member 1234"],
  ])("%s is not %s", (reported, member) => {
    const check = compareNames(reported, member);
    expect(check.matches).toBe(false);
    expect(check.detail).toMatch(/does not match|empty/);
  });

  it("tokens drop case, accents and punctuation", () => {
    expect(nameTokens("  García-López,  JOSÉ ")).toEqual(["garcia", "lopez", "jose"]);
  });
});

describe("compareInitials: DUA initials against the member's name", () => {
  it.each([
    ["JS", "John Smith"],
    ["js", "John Smith"],
    ["SJ", "John Smith"],
    ["JMS", "John Michael Smith"],
    ["JG", "José María García-López"],
    ["JMGL", "José María García-López"],
  ])("%s are initials of %s", (initials, member) => {
    expect(compareInitials(initials, member).matches).toBe(true);
  });

  it.each([
    ["JD", "John Smith"],
    ["J", "John Smith"],
    ["JJ", "John Smith"],
    ["ABC", "Jane Doe"],
  ])("%s are not initials of %s", (initials, member) => {
    expect(compareInitials(initials, member).matches).toBe(false);
  });
});
