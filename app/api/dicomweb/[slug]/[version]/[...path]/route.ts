import { handleDicomweb } from "@/lib/dicomweb/handle";
import { route } from "@/lib/http/route";

type Params = { slug: string; version: string; path: string[] };

// DICOMweb (QIDO-RS, WADO-RS) over this lab's stored DICOM files of one dataset version: the access
// rule per version, a session or a personal access token, every request audited (decision 035).
export const GET = route<"dataset", undefined, Params>({ access: "dataset", tokens: true }, async ({ req, user, dataset, params, token, ip }) =>
  handleDicomweb({ req, user, dataset, token, ip, path: params.path }),
);
