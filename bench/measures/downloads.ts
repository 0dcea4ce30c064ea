import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { datasets, downloadJobs, labDatasets, storedFiles } from "@/db/schema";
import type { CurrentUser } from "@/lib/auth/current-user";
import { getDb } from "@/lib/db/client";
import { controlJob } from "@/lib/downloads/control";
import { createDownloadJob } from "@/lib/downloads/create";
import type { Selection } from "@/lib/downloads/selection";
import { createLab, createUser, credentialMember } from "@/lib/factories";
import { writeSyntheticVersion } from "@/lib/mimic/synth/write-version";
import { parseSha256Sums, sha256OfFile, writeSha256Sums, type Sha256Entry } from "@/lib/physionet/sha256-sums";
import { runWget } from "@/lib/physionet/wget/run-wget";
import { ensureAppRole } from "@/scripts/lib/app-role";
import { spawnDownloadWorker } from "@/tests/downloads/spawn-worker";
import { round, type Measure } from "../harness";

const STUDIES = Number(process.env.BENCH_DL_STUDIES ?? 1_500);
// labgate's lanes for the tree, and as many plain `wget -i` for the fair floor.
const LANES = 4;
// The issue asks for 2 GiB; on this shared 2-core machine (its disk written by eight helpers at once)
// three rounds of four 2 GiB transfers do not fit a run, so 512 MiB unless told otherwise.
const LARGE_MIB = Number(process.env.BENCH_DL_LARGE_MIB ?? 512);
// Per connection, as PhysioNet throttles (users report ~0.35 MiB/s); small files make per-request
// latency and index-page crawling matter as much as bandwidth.
const THROTTLE = 512 * 1024;
// One PhysioNet account per measure: a PhysioNet username belongs to one member.
const TREE_USER = "benchtree";
const LARGE_USER = "benchlarge"; // + the round
const PASSWORD = "bench-physionet-password";
const MIB = 1024 * 1024;

// Peak resident memory of every download worker this run started, for download.memory.
const workerPeaks: { measure: string; mib: number; idleMib: number; largestFileMib: number }[] = [];

/** Every manifest file present under `dir` with its SHA-256; returns how many were wrong or missing. */
async function verifyTree(dir: string, manifest: Sha256Entry[]): Promise<number> {
  let bad = 0;
  for (const e of manifest) if ((await sha256OfFile({ filePath: path.join(dir, e.path) }).catch(() => null)) !== e.sha256) bad++;
  return bad;
}

async function totalSize(root: string, manifest: Sha256Entry[]): Promise<number> {
  let total = 0;
  for (const e of manifest) total += (await stat(path.join(root, e.path))).size;
  return total;
}

/** `npm run upstream` in its own process, as PhysioNet is another machine: it must not share the downloader's event loop. */
async function startUpstreamProcess({ root, username, throttle, open }: { root: string; username: string; throttle?: number; open?: boolean }): Promise<{ url: string; child: ChildProcess }> {
  const args = ["--import", "tsx", "scripts/upstream.ts", "--root", root, "--slug", "mimic-cxr", "--version", "2.0.0", "--port", "0", "--user", `${username}:${PASSWORD}:credentialed`, "--quiet"];
  if (throttle) args.push("--throttle", String(throttle));
  if (open) args.push("--open");
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = / at (http\S+?)\/files\//.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`bench: the upstream exited (${code}): ${out}`)));
  });
  return { url, child };
}

async function kibOf(pid: number, field: "VmHWM" | "VmRSS"): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
}

/** CPU seconds a process used, its reaped children (wget) included: /proc/<pid>/stat utime, stime, cutime, cstime. */
async function cpuSecondsOf(pid: number | "self"): Promise<number> {
  const text = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) / 100;
}

type BenchLab = { user: CurrentUser; datasetId: string; labId: string };

/** A lab holding mimic-cxr 2.0.0 and a member who passes the access rule for it. */
async function benchLab(username: string): Promise<BenchLab> {
  const db = getDb();
  const lab = await createLab(db);
  const [dataset] = await db.select({ id: datasets.id }).from(datasets).where(and(eq(datasets.slug, "mimic-cxr"), eq(datasets.version, "2.0.0")));
  if (!dataset) throw new Error("bench: the reference dataset mimic-cxr 2.0.0 is missing (migrations not applied?)");
  await db.insert(labDatasets).values({ labId: lab.id, datasetId: dataset.id });
  const steward = await createUser(db, { labId: lab.id, role: "steward" });
  const member = await createUser(db, { labId: lab.id, role: "member" });
  await credentialMember(db, { labId: lab.id, userId: member.id, stewardId: steward.id, datasetIds: [dataset.id], username });
  return { user: { id: member.id, email: member.email, name: member.name, role: "member", labId: lab.id }, datasetId: dataset.id, labId: lab.id };
}

async function waitForJob(jobId: string, states: string[]): Promise<string> {
  for (;;) {
    const [job] = await getDb().select({ state: downloadJobs.state, error: downloadJobs.error }).from(downloadJobs).where(eq(downloadJobs.id, jobId));
    if (job && states.includes(job.state)) return job.state;
    if (job && ["failed", "cancelled", "stopped"].includes(job.state)) throw new Error(`bench: the download ended ${job.state}: ${job.error}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * labgate as a member uses it: a worker process (pg-boss) prepares the job (SHA256SUMS.txt, listing,
 * HEAD samples), the member starts it, lanes of GNU wget fetch, every file is verified and moved
 * into lab storage. Timed from "start" to the last verified file, so the preparation (which a member
 * reviews before starting) is reported apart.
 */
async function labgateDownload({ lab, baseUrl, storageRoot, selection, concurrency, firstFile, firstFileBytes }: { lab: BenchLab; baseUrl: string; storageRoot: string; selection: Selection; concurrency: number; firstFile?: string; firstFileBytes?: number }) {
  // The worker connects as the app's restricted database role, as `npm start` runs it.
  const appUrl = await ensureAppRole(process.env.DATABASE_URL!);
  const worker = await spawnDownloadWorker({ env: { ...process.env, DATABASE_URL: appUrl, LABGATE_STORAGE_DIR: storageRoot, PHYSIONET_BASE_URL: baseUrl, TEST_SLICE_MS: "600000" } });
  try {
    const idleKib = await kibOf(worker.pid!, "VmRSS");
    const t0 = performance.now();
    const { id } = await createDownloadJob({ user: lab.user, ip: null, input: { datasetId: lab.datasetId, selection, password: PASSWORD, keepPassword: false, concurrency } });
    await waitForJob(id, ["ready"]);
    const prepareSeconds = (performance.now() - t0) / 1000;
    const cpuAtStart = await cpuSecondsOf(worker.pid!);
    const t1 = performance.now();
    await controlJob({ user: lab.user, jobId: id, input: { action: "start", keepPassword: false }, ip: null });
    // From "start" to wget's first bytes in staging: the queue, the access check, spawning wget.
    let firstByteSeconds: number | null = null;
    // ... and to its last byte in staging (wget done): what follows is verifying and placing it.
    let lastByteSeconds: number | null = null;
    if (firstFile) {
      const staged = path.join(storageRoot, ".staging", "jobs", id, ...firstFile.split("/"));
      while (lastByteSeconds === null && performance.now() - t1 < 600_000) {
        const size = (await stat(staged).catch(() => null))?.size ?? 0;
        if (size > 0 && firstByteSeconds === null) firstByteSeconds = (performance.now() - t1) / 1000;
        if (firstFileBytes !== undefined && size >= firstFileBytes) lastByteSeconds = (performance.now() - t1) / 1000;
        // Moved into lab storage already: the last byte was seen as late as now.
        else if (firstByteSeconds !== null && size === 0 && (await stat(path.join(storageRoot, "downloads", "mimic-cxr", "2.0.0", ...firstFile.split("/"))).catch(() => null))) lastByteSeconds = (performance.now() - t1) / 1000;
        else if (firstFileBytes === undefined && firstByteSeconds !== null) break;
        else await new Promise((r) => setTimeout(r, 5));
      }
    }
    const state = await waitForJob(id, ["completed", "incomplete", "failed"]);
    const transferSeconds = (performance.now() - t1) / 1000;
    if (state !== "completed") throw new Error(`bench: the download ended ${state}`);
    // The kernel's high-water mark over the worker's whole life.
    const peakKib = await kibOf(worker.pid!, "VmHWM");
    // Its CPU (and its wget's) from start to the last file verified, on a machine whose cores it shares.
    const cpuSeconds = (await cpuSecondsOf(worker.pid!)) - cpuAtStart;
    const stored = await getDb().select({ path: storedFiles.path }).from(storedFiles).where(eq(storedFiles.labId, lab.labId));
    return { prepareSeconds, transferSeconds, firstByteSeconds, lastByteSeconds, seconds: prepareSeconds + transferSeconds, storedCount: stored.length, peakMib: peakKib / 1024, idleMib: idleKib / 1024, cpuSeconds };
  } finally {
    worker.kill("SIGTERM");
  }
}

/**
 * A MIMIC-like tree (1,500 studies: reports and DICOMs, ~4,000 files) served by the test upstream
 * (its own process) with a per-connection throttle, fetched by labgate (four wget lanes fed with
 * -i, every file verified and moved into lab storage) and by `wget -r -N -c -np` (what users run
 * today, crawling the index pages), one after the other from the same upstream in the same run.
 * Both results are checked against SHA256SUMS.txt afterwards.
 */
export const downloadTree: Measure = {
  name: "download.tree",
  description: "MIMIC-like tree (~4,000 files, 512 KiB/s per connection): labgate job (prepare + transfer, verified) vs `wget -r -N -c -np` (verified after); its transfer vs 4 plain `wget -i` in parallel on the same list",
  async run({ log }) {
    const work = await mkdtemp(path.join(os.tmpdir(), "labgate-bench-dl-"));
    try {
      const root = path.join(work, "upstream");
      await writeSyntheticVersion({ out: root, project: "mimic-cxr", version: "2.0.0", studies: STUDIES, images: STUDIES, seed: 1 });
      const manifest = parseSha256Sums({ text: await readFile(path.join(root, "SHA256SUMS.txt"), "utf8") });
      const totalBytes = await totalSize(root, manifest);
      log(`tree: ${manifest.length} files, ${round(totalBytes / MIB)} MiB`);
      const lab = await benchLab(TREE_USER);
      const upstream = await startUpstreamProcess({ root, username: TREE_USER, throttle: THROTTLE });
      try {
        const storageRoot = path.join(work, "lab-storage");
        const everything: Selection = { mode: "filter", metadata: true, reports: true, images: "any", other: true, studies: { kind: "all" } };
        const ours = await labgateDownload({ lab, baseUrl: upstream.url, storageRoot, selection: everything, concurrency: LANES });
        const labgateBad = (await verifyTree(path.join(storageRoot, "downloads", "mimic-cxr", "2.0.0"), manifest)) + (manifest.length - ours.storedCount);
        log(`labgate: prepare ${round(ours.prepareSeconds)} s + transfer ${round(ours.transferSeconds)} s (worker and its wget: ${round(ours.cpuSeconds)} CPU s), ${ours.storedCount} files verified, ${labgateBad} wrong or missing, worker peak RSS ${round(ours.peakMib)} MiB`);
        workerPeaks.push({ measure: "download.tree", mib: ours.peakMib, idleMib: ours.idleMib, largestFileMib: 0 });

        // Baseline: the recursive crawl users run today (password in a private wgetrc, as labgate does).
        const out = path.join(work, "wget-r");
        const t1 = performance.now();
        const run = await runWget({
          args: ["-r", "-N", "-c", "-np", "-nH", "--cut-dirs=3", "-e", "robots=off", `--directory-prefix=${out}`, `${upstream.url}/files/mimic-cxr/2.0.0/`],
          credentials: { username: TREE_USER, password: PASSWORD },
          timeoutMs: 3_600_000,
        });
        const wgetSeconds = (performance.now() - t1) / 1000;
        const wgetBad = await verifyTree(out, manifest);
        log(`wget -r -N -c -np: ${round(wgetSeconds)} s (exit ${run.exitCode}), ${wgetBad} wrong or missing`);

        // The fair floor at equal parallelism: the same file list (what labgate's preparation takes
        // from SHA256SUMS.txt) split round-robin over as many plain `wget -i` as labgate has lanes,
        // keep-alive and the session cookie as wget does by itself; nothing verified.
        const outI = path.join(work, "wget-i");
        const lists = Array.from({ length: LANES }, () => [] as string[]);
        manifest.forEach((e, i) => lists[i % LANES]!.push(`${upstream.url}/files/mimic-cxr/2.0.0/${e.path}`));
        await mkdir(outI, { recursive: true });
        await Promise.all(lists.map((urls, i) => writeFile(path.join(work, `list-${i}.txt`), `${urls.join("\n")}\n`)));
        // The password in a private wgetrc, as a user's ~/.wgetrc holds it.
        const wgetrc = path.join(work, "wgetrc");
        await writeFile(wgetrc, `user = ${TREE_USER}\npassword = ${PASSWORD}\n`, { mode: 0o600 });
        const cpuBefore = await cpuSecondsOf("self");
        const t2 = performance.now();
        const exits = await Promise.all(
          lists.map(
            (_, i) =>
              new Promise<number | null>((resolve, reject) => {
                const child = spawn("wget", ["-q", "-x", "-nH", "--cut-dirs=3", "-i", path.join(work, `list-${i}.txt`), `--directory-prefix=${outI}`], { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, WGETRC: wgetrc } });
                child.once("error", reject);
                child.once("exit", (code) => resolve(code));
              }),
          ),
        );
        const wgetISeconds = (performance.now() - t2) / 1000;
        // The four wget were reaped by this process: their CPU is in its children's share.
        const wgetICpuSeconds = (await cpuSecondsOf("self")) - cpuBefore;
        const wgetIBad = await verifyTree(outI, manifest);
        log(`${LANES} × wget -i in parallel: ${round(wgetISeconds)} s (${round(wgetICpuSeconds)} CPU s, this process included), exits ${exits.join(",")}, ${wgetIBad} wrong or missing`);
        if (labgateBad > 0 || wgetBad > 0 || wgetIBad > 0) throw new Error(`bench: verification failed (labgate ${labgateBad}, wget -r ${wgetBad}, wget -i ${wgetIBad} files wrong or missing)`);
        return {
          ratio_vs_wget_r: round(wgetSeconds / ours.seconds),
          // labgate's transfer (start → last file verified) against the same list fetched by N plain wget.
          ratio_vs_wget_i_parallel: round(wgetISeconds / ours.transferSeconds),
          wget_i_parallel_seconds: round(wgetISeconds),
          transfer_seconds: round(ours.transferSeconds),
          // CPU the transfer used against the fair floor's: on two shared cores this, not the
          // network, decides how far labgate's transfer falls behind four plain wget.
          transfer_cpu_seconds: round(ours.cpuSeconds),
          wget_i_parallel_cpu_seconds: round(wgetICpuSeconds),
          lanes: LANES,
          seconds: round(ours.seconds),
          prepare_seconds: round(ours.prepareSeconds),
          wget_r_seconds: round(wgetSeconds),
          files: manifest.length,
          mib: round(totalBytes / MIB),
        };
      } finally {
        upstream.child.kill("SIGTERM");
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  },
};

/** A version directory holding one large file of incompressible bytes, and its SHA256SUMS.txt. */
async function largeFileVersion(root: string, mib: number): Promise<string> {
  const rel = "files/p10/p10000032/s50414267/large.dcm";
  await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
  const block = randomBytes(4 * MIB);
  const out = createWriteStream(path.join(root, rel));
  for (let written = 0; written < mib * MIB; written += block.length) {
    if (!out.write(block)) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  await writeSha256Sums({ root });
  return rel;
}

async function timeCommand(command: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`bench: ${command} exited ${code}`))));
  });
  return (performance.now() - t0) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ROUNDS = Number(process.env.BENCH_DL_ROUNDS ?? 3);

/**
 * One large file (2 GiB), no throttle, from the test upstream serving it as an open-access project
 * so that curl may fetch it at all (PhysioNet ignores curl's credentials). labgate's transfer (from
 * "start" to verified in lab storage) against curl, curl then `sha256sum`, and GNU wget alone; three
 * interleaved rounds, medians, because loopback transfers on a small shared machine vary by ±30 %.
 */
export const downloadLarge: Measure = {
  name: "download.large",
  description: `one ${LARGE_MIB} MiB file, no throttle, medians of ${ROUNDS} interleaved rounds: labgate transfer (verified, moved into lab storage) vs GNU wget alone, curl, curl + sha256sum`,
  async run({ log }) {
    const work = await mkdtemp(path.join(os.tmpdir(), "labgate-bench-dl-large-"));
    try {
      const root = path.join(work, "upstream");
      const rel = await largeFileVersion(root, LARGE_MIB);
      const expected = parseSha256Sums({ text: await readFile(path.join(root, "SHA256SUMS.txt"), "utf8") }).find((e) => e.path === rel)!.sha256;
      const upstream = await startUpstreamProcess({ root, username: LARGE_USER, open: true });
      const t = { curl: [] as number[], sha256sum: [] as number[], wget: [] as number[], labgate: [] as number[], firstByte: [] as number[], lastByte: [] as number[] };
      try {
        const url = `${upstream.url}/files/mimic-cxr/2.0.0/${rel}`;
        for (let round_ = 1; round_ <= ROUNDS; round_++) {
          const curlOut = path.join(work, "curl.dcm");
          t.curl.push(await timeCommand("curl", ["-sS", "--fail", "-o", curlOut, url]));
          t.sha256sum.push(await timeCommand("sha256sum", [curlOut]));
          if ((await sha256OfFile({ filePath: curlOut })) !== expected) throw new Error("bench: curl's copy does not match SHA256SUMS.txt");
          await rm(curlOut);
          // GNU wget alone, as labgate drives it for PhysioNet: what the transfer itself costs here.
          const wgetOut = path.join(work, "wget.dcm");
          t.wget.push(await timeCommand("wget", ["-q", "-O", wgetOut, url]));
          await rm(wgetOut);

          // A lab of its own each round: a lab that holds the file verified does not fetch it again.
          const lab = await benchLab(`${LARGE_USER}${round_}`);
          const storageRoot = path.join(work, `lab-storage-${round_}`);
          const ours = await labgateDownload({ lab, baseUrl: upstream.url, storageRoot, selection: { mode: "paths", paths: [rel] }, concurrency: 1, firstFile: rel, firstFileBytes: LARGE_MIB * MIB });
          const bad = await verifyTree(path.join(storageRoot, "downloads", "mimic-cxr", "2.0.0"), [{ path: rel, sha256: expected }]);
          if (bad > 0 || ours.storedCount !== 1) throw new Error("bench: labgate's copy is missing or wrong");
          await rm(storageRoot, { recursive: true, force: true });
          t.labgate.push(ours.transferSeconds);
          t.firstByte.push(ours.firstByteSeconds ?? NaN);
          t.lastByte.push(ours.lastByteSeconds ?? NaN);
          workerPeaks.push({ measure: "download.large", mib: ours.peakMib, idleMib: ours.idleMib, largestFileMib: LARGE_MIB });
          log(`round ${round_}: curl ${round(t.curl.at(-1)!)} s (+ sha256sum ${round(t.sha256sum.at(-1)!)} s), wget ${round(t.wget.at(-1)!)} s, labgate ${round(ours.transferSeconds)} s verified (first byte after ${round(ours.firstByteSeconds ?? NaN)} s, last byte in staging after ${round(ours.lastByteSeconds ?? NaN)} s), worker peak RSS ${round(ours.peakMib)} MiB`);
        }
      } finally {
        upstream.child.kill("SIGTERM");
      }
      const [curl, hash, wget, ours] = [median(t.curl), median(t.sha256sum), median(t.wget), median(t.labgate)];
      return {
        ratio_vs_curl: round(curl / ours),
        ratio_vs_curl_sha256sum: round((curl + hash) / ours),
        ratio_vs_wget: round(wget / ours),
        seconds: round(ours),
        mib_per_s: round(LARGE_MIB / ours),
        first_byte_seconds: round(median(t.firstByte)),
        // Where labgate's time goes: start → wget's last byte in staging, then → verified and placed.
        last_byte_seconds: round(median(t.lastByte)),
        after_last_byte_seconds: round(median(t.labgate.map((x, i) => x - t.lastByte[i]!))),
        curl_seconds: round(curl),
        sha256sum_seconds: round(hash),
        wget_seconds: round(wget),
        mib: LARGE_MIB,
      };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  },
};

/**
 * The download worker's peak resident memory (the kernel's VmHWM) in the runs above — the tree of
 * thousands of files and the single 2 GiB file — next to its resident memory when idle. Runs the
 * large-file download itself when neither ran in this invocation.
 */
export const downloadMemory: Measure = {
  name: "download.memory",
  description: "download worker's peak RSS over the tree and the large file, vs its idle RSS",
  async run(ctx) {
    if (workerPeaks.length === 0) await downloadLarge.run(ctx);
    const peak = workerPeaks.reduce((a, b) => (b.mib > a.mib ? b : a));
    return {
      rss_mb: round(peak.mib),
      idle_rss_mb: round(peak.idleMib),
      largest_file_mib: Math.max(...workerPeaks.map((p) => p.largestFileMib)),
      runs: workerPeaks.map((p) => `${p.measure} ${round(p.mib)}`).join("; "),
    };
  },
};
