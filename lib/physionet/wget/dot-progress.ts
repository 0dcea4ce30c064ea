// Reads wget's `--progress=dot:default` output as it streams: each line starts with the offset in
// KiB, then one character per KiB ("," for bytes already on disk when resuming, "." for new ones),
// then the percentage and rate. "Length: N" announces the full size (also when resuming).

export type WgetProgress = { bytes: number; totalBytes: number | null };

const DOT_BYTES = 1024;

export function createDotProgressParser({ onProgress }: { onProgress: (progress: WgetProgress) => void }) {
  let line = "";
  let totalBytes: number | null = null;
  let lastBytes = -1;

  const emitFor = (text: string) => {
    const offset = /^\s*(\d+)K /.exec(text);
    if (!offset?.[1]) return;
    let units = 0;
    let tail = "";
    // Count the dots up to the first character that is neither a dot nor a space: the rate ("1.2M") has dots too.
    const rest = text.slice(offset[0].length);
    for (let i = 0; i < rest.length; i++) {
      const char = rest[i];
      if (char === "." || char === ",") units += 1;
      else if (char !== " ") {
        tail = rest.slice(i);
        break;
      }
    }
    // A dot stands for a whole KiB, so the last few hundred bytes only show as "100%".
    const done = totalBytes !== null && tail.startsWith("100%");
    const bytes = done && totalBytes !== null ? totalBytes : Number(offset[1]) * DOT_BYTES + units * DOT_BYTES;
    if (bytes !== lastBytes) {
      lastBytes = bytes;
      onProgress({ bytes: totalBytes === null ? bytes : Math.min(bytes, totalBytes), totalBytes });
    }
  };

  return {
    push(text: string) {
      for (const char of text) {
        if (char === "\n" || char === "\r") {
          const length = /^Length: (\d+)/.exec(line)?.[1];
          if (length) totalBytes = Number(length);
          emitFor(line);
          line = "";
        } else {
          line += char;
        }
      }
      emitFor(line);
    },
  };
}
