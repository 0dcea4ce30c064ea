// Next runs register() once in each server process before it serves a request.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    process.env.LABGATE_LOG_SERVICE ??= "web";
    const { installPeerStamp } = await import("./lib/http/peer-stamp");
    installPeerStamp();
    const { installRequestLog } = await import("./lib/log/request-log");
    installRequestLog();
  }
}
