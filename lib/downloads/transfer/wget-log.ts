// Reads GNU wget's stderr (C locale, --server-response) as it streams, URL by URL: each request
// starts with "--<date>--  <url>"; response heads are indented by two spaces; "saved [n/n]" or "The
// file is already fully retrieved" mean wget holds the whole file; "Cannot write to … (reason)" is a
// local I/O error such as a full disk. Retries of the same URL continue its record.

export type UrlOutcome = {
  /** Status of the last response for this URL, or null if no server answered. */
  status: number | null;
  /** Full size of the file from Content-Length (200) or Content-Range (206, 416), when given. */
  totalBytes: number | null;
  /** wget says the whole file is on disk (not yet verified). */
  complete: boolean;
  /** wget could not write the file locally. */
  ioError: string | null;
  enospc: boolean;
  /** wget's last error-looking line for this URL (never contains credentials: wget does not print them). */
  message: string | null;
  /** How many 200 answers this URL got: with -c, wget truncates a non-empty file on a 200 and starts over. */
  okResponses: number;
};

const REQUEST_START = /^--\d{4}-\d\d-\d\d \d\d:\d\d:\d\d--\s+(\S+)\s*$/;
const STATUS_LINE = /^ {2}HTTP\/\d(?:\.\d)? (\d{3})/;
const CONTENT_LENGTH = /^ {2}Content-Length:\s*(\d+)/i;
const CONTENT_RANGE = /^ {2}Content-Range:\s*bytes (?:\d+-\d+|\*)\/(\d+)/i;
const SAVED = / saved \[(\d+)(?:\/(\d+))?\]/;
const ALREADY = /The file is already fully retrieved/;
const CANNOT_WRITE = /^Cannot write to .*\((.+)\)\.?\s*$/;
const ERROR_STATUS = /ERROR (\d{3}):/;
const AUTH_FAILED = /Username\/Password Authentication Failed/;
const PROBLEM = /(error|fail|refused|unable|reset|closed|timed out|giving up|not resolve|retrying)/i;

export function emptyOutcome(): UrlOutcome {
  return { status: null, totalBytes: null, complete: false, ioError: null, enospc: false, message: null, okResponses: 0 };
}

export function createWgetLogParser({
  known,
  onUrlStart,
  onUrlEnd,
  onStatus,
}: {
  known: ReadonlySet<string>;
  onUrlStart?: (url: string) => void;
  onUrlEnd?: (url: string, outcome: UrlOutcome) => void;
  /** Every HTTP status wget reports, its own retries included (a 429 or 503 it retried is seen only here). */
  onStatus?: (status: number) => void;
}) {
  const outcomes = new Map<string, UrlOutcome>();
  let current: string | null = null;
  let lastStatus: number | null = null;
  let partial = "";

  const finish = () => {
    if (current !== null) onUrlEnd?.(current, outcomes.get(current)!);
    current = null;
  };

  const line = (raw: string) => {
    const text = raw.replace(/\r$/, "");
    const start = REQUEST_START.exec(text);
    if (start?.[1]) {
      const url = resolveKnown(start[1], known);
      // A retry or a redirect of the same file continues its record; an unknown URL (a redirect
      // target) still belongs to the file that led there.
      if (url === null || url === current) return;
      finish();
      current = url;
      if (!outcomes.has(url)) outcomes.set(url, emptyOutcome());
      onUrlStart?.(url);
      return;
    }
    if (current === null) return;
    const outcome = outcomes.get(current)!;
    const status = STATUS_LINE.exec(text);
    if (status?.[1]) {
      lastStatus = Number(status[1]);
      outcome.status = lastStatus;
      onStatus?.(lastStatus);
      if (lastStatus === 200) outcome.okResponses += 1;
      return;
    }
    const length = CONTENT_LENGTH.exec(text);
    if (length?.[1] && lastStatus === 200) outcome.totalBytes = Number(length[1]);
    const range = CONTENT_RANGE.exec(text);
    if (range?.[1]) outcome.totalBytes = Number(range[1]);
    if (text.startsWith("  ")) {
      if (ALREADY.test(text)) outcome.complete = true;
      return;
    }
    const saved = SAVED.exec(text);
    if (saved?.[1]) {
      const got = Number(saved[1]);
      const want = saved[2] ? Number(saved[2]) : null;
      outcome.complete = want === null || got === want;
      if (want !== null) outcome.totalBytes = want;
      return;
    }
    const cannotWrite = CANNOT_WRITE.exec(text);
    if (cannotWrite?.[1]) {
      outcome.ioError = cannotWrite[1];
      outcome.enospc = /no space left/i.test(cannotWrite[1]);
      outcome.message = text.trim();
      return;
    }
    const error = ERROR_STATUS.exec(text);
    if (error?.[1]) outcome.status = Number(error[1]);
    if (AUTH_FAILED.test(text)) outcome.status = 401;
    if (PROBLEM.test(text)) outcome.message = text.trim();
  };

  return {
    outcomes,
    push(text: string) {
      partial += text;
      const lines = partial.split(/\n/);
      partial = lines.pop() ?? "";
      for (const l of lines) line(l);
    },
    /** The process ended: the URL in progress ends too (incomplete unless wget said otherwise). */
    end({ interrupted }: { interrupted: boolean }) {
      if (partial) line(partial);
      partial = "";
      if (interrupted && current !== null) outcomes.get(current)!.message ??= "interrupted";
      finish();
    },
  };
}

function resolveKnown(url: string, known: ReadonlySet<string>): string | null {
  if (known.has(url)) return url;
  try {
    const decoded = decodeURI(url);
    for (const candidate of known) if (decodeURI(candidate) === decoded) return candidate;
  } catch {
    // not a URL we sent
  }
  return null;
}
