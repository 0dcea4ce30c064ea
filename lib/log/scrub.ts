// Text that may carry a credential: URLs with user:password@, bearer and basic auth values,
// labgate's personal tokens, AWS keys, and the query strings that carry one-time tokens.
const PATTERNS: [RegExp, string][] = [
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]*@/gi, "$1[redacted]@"],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, "$1 [redacted]"],
  [/\blgt_[A-Za-z0-9_-]+/g, "lgt_[redacted]"],
  [/\b(AKIA|ASIA)[A-Z0-9]{12,}\b/g, "$1[redacted]"],
  [/([?&](?:token|code|state|password|secret|key|signature|X-Amz-Signature|X-Amz-Credential)=)[^&#\s"]*/gi, "$1[redacted]"],
  [/(\/(?:invite|reset-password|setup)\/)[A-Za-z0-9_-]{16,}/g, "$1[redacted]"],
];

export function scrub(text: string): string {
  let out = text;
  for (const [re, to] of PATTERNS) out = out.replace(re, to);
  return out;
}
