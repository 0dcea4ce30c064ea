/** A DICOMweb answer other than success: the HTTP status and a message for the client (never internals). */
export class DicomwebError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "DicomwebError";
  }
}
