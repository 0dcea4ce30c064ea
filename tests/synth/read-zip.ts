import yauzl from "yauzl";

/** The entries of a zip, read with yauzl as the importer reads it; `content` picks whose text to read. */
export async function readZip(file: string, content: (name: string) => boolean = () => true): Promise<Map<string, string | null>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => yauzl.open(file, { lazyEntries: true }, (err, z) => (err || !z ? reject(err ?? new Error("no zip")) : resolve(z))));
  const entries = new Map<string, string | null>();
  await new Promise<void>((resolve, reject) => {
    zip.on("error", reject);
    zip.on("end", resolve);
    zip.on("entry", (entry: yauzl.Entry) => {
      if (!content(entry.fileName)) {
        entries.set(entry.fileName, null);
        return zip.readEntry();
      }
      zip.openReadStream(entry, (err, stream) => {
        if (err || !stream) return reject(err ?? new Error("no stream"));
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("error", reject);
        stream.on("end", () => {
          entries.set(entry.fileName, Buffer.concat(chunks).toString("utf8"));
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
  return entries;
}
