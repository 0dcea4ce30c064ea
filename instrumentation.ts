// Next runs register() once in each server process before it serves a request.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { installPeerStamp } = await import("./lib/http/peer-stamp");
    installPeerStamp();
  }
}
