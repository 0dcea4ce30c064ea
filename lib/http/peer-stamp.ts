import type { IncomingMessage } from "node:http";
import { hookServerEvents } from "./server-hook";

// Next's server keeps a client's own X-Forwarded-For (it only fills the header in when absent) and
// hands route handlers no socket, so a handler cannot tell the TCP peer from what the client claims.
// This writes the peer's address into PEER_HEADER on every request before Next sees it, overwriting
// whatever the client sent under that name. It is installed once per server process from
// instrumentation.ts (Next's documented start-up hook), on the prototypes because Next creates its
// server itself. lib/http/client-ip.ts reads it, and only when INSTALLED says this process stamps.
export const PEER_HEADER = "x-labgate-peer";
export const INSTALLED = Symbol.for("labgate.peer-stamp");

// Events that hand a request to application code (HTTP/1.1 "Expect" and protocol upgrades included).
const REQUEST_EVENTS = new Set(["request", "checkContinue", "checkExpectation", "upgrade"]);

export function installPeerStamp(): void {
  hookServerEvents(INSTALLED, REQUEST_EVENTS, (args) => stamp(args[0] as IncomingMessage));
}

function stamp(req: IncomingMessage): void {
  req.headers[PEER_HEADER] = req.socket?.remoteAddress ?? "";
}
