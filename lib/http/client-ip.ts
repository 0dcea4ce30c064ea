import ipaddr from "ipaddr.js";
import proxyaddr from "proxy-addr";
import { getEnv } from "@/lib/env";
import { INSTALLED, PEER_HEADER } from "./peer-stamp";
import { log } from "@/lib/log/logger";

// The client's address, for per-address limits and the audit log. It is the TCP peer of the
// request; X-Forwarded-For is read only when that peer is a proxy named in LABGATE_TRUSTED_PROXIES,
// walking it from the right past trusted hops (as Express does, with the same package), so a client
// cannot pick its own address by sending the header.

type HeaderSource = Headers | Record<string, string | string[] | undefined> | undefined | null;

function header(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/** IPv4-mapped IPv6 ("::ffff:10.0.0.1") as plain IPv4; anything that is not an address is null. */
export function normaliseIp(value: string | undefined | null): string | null {
  const raw = value?.trim();
  if (!raw || !ipaddr.isValid(raw)) return null;
  return ipaddr.process(raw).toString();
}

let trust: { spec: string; fn: ((addr: string, i: number) => boolean) | null } | undefined;
function trustedProxies(spec: string): ((addr: string, i: number) => boolean) | null {
  if (trust?.spec !== spec) trust = { spec, fn: spec ? proxyaddr.compile(parseTrustedProxies(spec)) : null };
  return trust.fn;
}

/** "10.0.0.0/8, 192.168.1.7" → entries proxy-addr understands (also "loopback", "uniquelocal"). */
export function parseTrustedProxies(spec: string): string[] {
  return spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

let warned = false;

/** The client's address; null when this process cannot know it (the peer stamp is not installed). */
export function clientIp(headers: HeaderSource, trustedProxiesSpec: string = getEnv().LABGATE_TRUSTED_PROXIES ?? ""): string | null {
  if (!(globalThis as Record<symbol, unknown>)[INSTALLED]) {
    if (!warned) log().warn("client addresses unknown (instrumentation.ts did not install the peer stamp); per-address limits are off");
    warned = true;
    return null;
  }
  const peer = normaliseIp(header(headers, PEER_HEADER));
  if (!peer) return null;
  const isTrusted = trustedProxies(trustedProxiesSpec);
  if (!isTrusted) return peer;
  const forwarded = header(headers, "x-forwarded-for") ?? "";
  // proxy-addr reads only these two fields of a Node request.
  const req = { headers: { "x-forwarded-for": forwarded }, connection: { remoteAddress: peer }, socket: { remoteAddress: peer } };
  return normaliseIp(proxyaddr(req as unknown as Parameters<typeof proxyaddr>[0], isTrusted)) ?? peer;
}
