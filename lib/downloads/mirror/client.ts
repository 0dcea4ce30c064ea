import "server-only";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { mirrorLocation, type MirrorLocation, type MirrorProvider } from "@/lib/datasets/physionet-catalogue";
import { getEnv } from "@/lib/env";

// PhysioNet's cloud mirrors through the AWS SDK already used for lab storage: AWS S3 with the
// member's own access key pair, Google Cloud Storage through its S3-compatible interoperability API
// with the member's HMAC keys. Bucket and layout come from the catalogue, the endpoint from the
// environment (tests and the demo point it at lib/physionet/upstream/mirror-server.ts).

export type MirrorKeys = { accessKeyId: string; secretAccessKey: string };
export type MirrorAccess = { client: S3Client; location: MirrorLocation; key(filePath: string): string; close(): void };

export type MirrorEndpoints = { aws?: string; awsRegion: string; gcs: string; billingProject: string | null };

export function mirrorEndpointsFromEnv(): MirrorEndpoints {
  const env = getEnv();
  return { aws: env.LABGATE_MIRROR_AWS_ENDPOINT, awsRegion: env.LABGATE_MIRROR_AWS_REGION, gcs: env.LABGATE_MIRROR_GCS_ENDPOINT, billingProject: env.LABGATE_MIRROR_BILLING_PROJECT ?? null };
}

export class NoMirrorError extends Error {
  constructor(slug: string, version: string) {
    super(`PhysioNet has no cloud mirror of ${slug} ${version} in labgate's catalogue.`);
    this.name = "NoMirrorError";
  }
}

export function openMirror(opts: { provider: MirrorProvider; slug: string; version: string; keys: MirrorKeys; endpoints?: MirrorEndpoints; maxSockets?: number }): MirrorAccess {
  const location = mirrorLocation(opts.slug, opts.version, opts.provider);
  if (!location) throw new NoMirrorError(opts.slug, opts.version);
  const endpoints = opts.endpoints ?? mirrorEndpointsFromEnv();
  const endpoint = opts.provider === "gcs" ? endpoints.gcs : endpoints.aws;
  const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets ?? 64 };
  const httpAgent = new HttpAgent(agentOptions);
  const httpsAgent = new HttpsAgent(agentOptions);
  const client = new S3Client({
    region: opts.provider === "gcs" ? "auto" : endpoints.awsRegion,
    endpoint,
    forcePathStyle: Boolean(endpoint),
    credentials: { accessKeyId: opts.keys.accessKeyId, secretAccessKey: opts.keys.secretAccessKey },
    // Google's interoperability API and S3-compatible stores reject the SDK's default CRC trailers;
    // labgate checks SHA-256 against SHA256SUMS.txt itself.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    // The SDK retries 503 SlowDown and throttling with its own backoff; body faults are ours (ranges).
    maxAttempts: 4,
    requestHandler: new NodeHttpHandler({ httpAgent, httpsAgent, connectionTimeout: 10_000, requestTimeout: 60_000 }),
  });
  if (opts.provider === "gcs" && endpoints.billingProject) {
    // Requester-pays buckets on Google bill the project named here (the lab's), not the member.
    const project = endpoints.billingProject;
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) request.headers["x-goog-user-project"] = project;
        return next(args);
      },
      { step: "build", name: "labgateBillingProject" },
    );
  }
  return {
    client,
    location,
    key: (filePath) => `${location.prefix}${filePath}`,
    close: () => {
      client.destroy();
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

/** The request-payer flag for requester-pays buckets (403 without it). */
export const payer = (access: MirrorAccess) => (access.location.requesterPays ? ({ RequestPayer: "requester" } as const) : {});

/** The HTTP status of a mirror's refusal, or null for a network fault. */
export function mirrorStatus(e: unknown): number | null {
  if (e instanceof S3ServiceException) return e.$metadata.httpStatusCode ?? null;
  const status = (e as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return typeof status === "number" ? status : null;
}

export type MirrorCheck = { outcome: "confirmed" | "not_authorized" | "not_found" | "error"; httpStatus: number | null; detail: string | null };

/** HEAD of the version's SHA256SUMS.txt with the member's keys: what "Verify with the mirror" records. */
export async function headSha256Sums(access: MirrorAccess, signal?: AbortSignal): Promise<MirrorCheck> {
  try {
    await access.client.send(new HeadObjectCommand({ Bucket: access.location.bucket, Key: access.key("SHA256SUMS.txt"), ...payer(access) }), { abortSignal: signal });
    return { outcome: "confirmed", httpStatus: 200, detail: null };
  } catch (e) {
    const status = mirrorStatus(e);
    if (status === 401 || status === 403) return { outcome: "not_authorized", httpStatus: status, detail: null };
    if (status === 404) return { outcome: "not_found", httpStatus: 404, detail: null };
    return { outcome: "error", httpStatus: status, detail: status ? `HTTP ${status}` : ((e as Error).name ?? "network error") };
  }
}

export class TruncatedBodyError extends Error {
  constructor(got: number, expected: number) {
    super(`the mirror sent ${got} of ${expected} bytes`);
    this.name = "TruncatedBodyError";
  }
}

/**
 * Bytes [start, end] of an object as the chunks the socket delivered, exactly that many in all or an
 * error (a cut-off body never passes as whole). Not copied into one buffer: for an 8 MiB range that
 * copy (and the fresh pages it touches) doubled the time of a GET on a loaded machine.
 */
export async function getRange(access: MirrorAccess, filePath: string, start: number, end: number, signal?: AbortSignal): Promise<Buffer[]> {
  const expected = end - start + 1;
  const out = await access.client.send(
    new GetObjectCommand({ Bucket: access.location.bucket, Key: access.key(filePath), Range: `bytes=${start}-${end}`, ...payer(access) }),
    { abortSignal: signal },
  );
  const chunks: Buffer[] = [];
  let got = 0;
  for await (const chunk of out.Body as AsyncIterable<Buffer>) {
    if (got + chunk.length > expected) throw new TruncatedBodyError(got + chunk.length, expected);
    chunks.push(chunk);
    got += chunk.length;
  }
  if (got !== expected) throw new TruncatedBodyError(got, expected);
  return chunks;
}

export async function objectSize(access: MirrorAccess, filePath: string, signal?: AbortSignal): Promise<number> {
  const out = await access.client.send(new HeadObjectCommand({ Bucket: access.location.bucket, Key: access.key(filePath), ...payer(access) }), { abortSignal: signal });
  return Number(out.ContentLength ?? 0);
}

/** Every object's size under the version, a page (up to 1,000) at a time. */
export async function listSizes(access: MirrorAccess, onPage: (page: { path: string; size: number }[]) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let token: string | undefined;
  do {
    const out = await access.client.send(
      new ListObjectsV2Command({ Bucket: access.location.bucket, Prefix: access.location.prefix || undefined, ContinuationToken: token, ...payer(access) }),
      { abortSignal: signal },
    );
    const page = (out.Contents ?? []).filter((c) => c.Key).map((c) => ({ path: c.Key!.slice(access.location.prefix.length), size: Number(c.Size ?? 0) }));
    if (page.length) await onPage(page);
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
}
