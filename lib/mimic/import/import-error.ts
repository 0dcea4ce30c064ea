/** A problem with the files being imported, phrased for the person who runs the import. */
export class ImportError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(file ? `${file}${line ? ` line ${line}` : ""}: ${message}` : message);
    this.name = "ImportError";
  }
}
