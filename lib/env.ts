import proxyaddr from "proxy-addr";
import { z } from "zod";

// Parsed once; every other module imports `env` instead of reading process.env.
const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z.string().url({ message: "DATABASE_URL must be a postgres:// URL" }),
  NEXTAUTH_URL: z.string().url().default("http://localhost:3000"),
  NEXTAUTH_SECRET: z.string().min(32, "NEXTAUTH_SECRET must be at least 32 characters"),
  OIDC_ISSUER: z.string().url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_NAME: z.string().default("Institution sign-in"),
  // Lab storage: where dataset copies live; stewards import directories from under it.
  LABGATE_STORAGE_DIR: z.string().min(1).default("data/storage"),
  // Lab storage backend for downloaded files: the directory above, or S3-compatible object storage.
  LABGATE_STORAGE_BACKEND: z.enum(["local", "s3"]).default("local"),
  LABGATE_S3_ENDPOINT: z.string().url().optional(),
  LABGATE_S3_REGION: z.string().min(1).default("us-east-1"),
  LABGATE_S3_BUCKET: z.string().min(1).optional(),
  LABGATE_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  LABGATE_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  // Where unverified, partial downloads wait (default: LABGATE_STORAGE_DIR/.staging, which the read route never serves).
  LABGATE_DOWNLOAD_STAGING_DIR: z.string().min(1).optional(),
  // How many GNU wget processes may run at once across the installation (downloads and "Verify with
  // PhysioNet"; a quarter is kept for Verify). PhysioNet times out beyond ~24 connections.
  LABGATE_WGET_MAX_CONCURRENT: z.coerce.number().int().min(1).max(64).default(12),
  // Lane-pairs of downloads one worker process drives at once (a job of concurrency 4 is two): add
  // workers, on this machine or others, to drive more; PhysioNet's own limit is the wget cap above.
  LABGATE_WORKER_DRIVE_SLOTS: z.coerce.number().int().min(1).max(32).default(4),
  // Where wget runs get their private folders (default: <system temp>/labgate-wget.<uid>); wiped of
  // dead processes' folders at every worker start. Never holds a password (decision 019).
  LABGATE_WGET_DIR: z.string().min(1).optional(),
  // Encrypts stored PhysioNet passwords (AES-256-GCM); ≥ 32 characters. Unset: derived from NEXTAUTH_SECRET.
  LABGATE_SECRET_KEY: z.string().min(32, "LABGATE_SECRET_KEY must be at least 32 characters").optional(),
  // Seed of the Ed25519 key that signs audit checkpoints (lib/audit/checkpoint.ts); ≥ 32 characters,
  // kept out of the database. Unset: derived from NEXTAUTH_SECRET.
  LABGATE_AUDIT_SIGNING_KEY: z.string().min(32, "LABGATE_AUDIT_SIGNING_KEY must be at least 32 characters").optional(),
  // Where "Verify with PhysioNet" sends its authenticated HEAD; tests point it at the test upstream,
  // whose self-signed certificate PHYSIONET_CA_FILE names.
  PHYSIONET_BASE_URL: z.string().url().default("https://physionet.org"),
  PHYSIONET_CA_FILE: z.string().min(1).optional(),
  // PhysioNet's cloud mirrors (decision 032): the S3 endpoint for AWS (unset: AWS itself) and the
  // S3-compatible interoperability endpoint of Google Cloud Storage; tests point both at loopback.
  LABGATE_MIRROR_AWS_ENDPOINT: z.string().url().optional(),
  LABGATE_MIRROR_AWS_REGION: z.string().min(1).default("us-east-1"),
  LABGATE_MIRROR_GCS_ENDPOINT: z.string().url().default("https://storage.googleapis.com"),
  // The lab's Google Cloud project billed for requester-pays buckets, and what the lab pays per GB of egress.
  LABGATE_MIRROR_BILLING_PROJECT: z.string().min(1).optional(),
  LABGATE_MIRROR_EGRESS_USD_PER_GB: z.coerce.number().min(0).optional(),
  // Outgoing mail: smtp://user:pass@host:port (smtps:// for implicit TLS). Unset = in-app only.
  SMTP_URL: z.preprocess((v) => (v === "" ? undefined : v), z.string().regex(/^smtps?:\/\/[^\s/]+/, "SMTP_URL must be an smtp:// or smtps:// URL").optional()),
  MAIL_FROM: z.string().min(3).default("labgate <labgate@localhost>"),
  // Reverse proxies whose X-Forwarded-For is believed (comma-separated addresses or CIDRs, or
  // loopback / linklocal / uniquelocal). Unset: none, and the client is the connection's peer.
  LABGATE_TRUSTED_PROXIES: z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
    z
      .string()
      .refine((v) => {
        try {
          proxyaddr.compile(v.split(",").map((s) => s.trim()).filter(Boolean));
          return true;
        } catch {
          return false;
        }
      }, "LABGATE_TRUSTED_PROXIES must list IP addresses or CIDR ranges separated by commas, e.g. 10.0.0.0/8,192.168.1.7")
      .optional(),
  ),
  INVITE_TTL_HOURS: z.coerce.number().int().positive().max(24 * 30).default(72),
  // Set by `npm start` when it runs the demo lab (embedded default or LABGATE_DEMO=1): every page says so.
  LABGATE_DEMO: z.enum(["0", "1"]).default("0"),
  // Lets end-to-end tests move time forward; refused outside test runs (see lib/clock.ts).
  LABGATE_TEST_CLOCK: z.enum(["0", "1"]).default("0"),
});

export type Env = z.infer<typeof schema>;

function parseEnv(): Env {
  const result = schema.safeParse(process.env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`labgate: invalid environment\n${lines.join("\n")}\nSee .env.example.`);
  }
  return result.data;
}

let cached: Env | undefined;
export function getEnv(): Env {
  cached ??= parseEnv();
  return cached;
}

export function oidcConfigured(env: Env = getEnv()): boolean {
  return Boolean(env.OIDC_ISSUER && env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET);
}
