export type TlsMaterial = { key: string; cert: string };

/**
 * A fresh self-signed certificate for loopback (localhost, 127.0.0.1, ::1). Clients trust it by
 * passing `cert` as their CA (`wget --ca-certificate`, `curl --cacert`). `selfsigned` is a
 * devDependency: it is imported only when HTTPS is asked for, so plain HTTP needs nothing extra.
 */
export async function createSelfSignedTls({ commonName = "localhost" }: { commonName?: string } = {}): Promise<TlsMaterial> {
  const { generate } = await import("selfsigned");
  const now = new Date();
  const pems = await generate([{ name: "commonName", value: commonName }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 30 * 24 * 3600 * 1000),
    extensions: [
      { name: "basicConstraints", cA: true },
      { name: "keyUsage", digitalSignature: true, keyCertSign: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
          { type: 7, ip: "::1" },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
