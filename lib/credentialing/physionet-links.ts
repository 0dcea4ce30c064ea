// Where on PhysioNet (or CITI) a member completes each checklist step. Pure, so pages and emails can
// link the same places the checklist does.
const BASE = "https://physionet.org";

export const physionetLinks = {
  register: `${BASE}/register/`,
  profile: `${BASE}/settings/profile/`,
  citiCourse: `${BASE}/about/citi-course/`,
  trainingSettings: `${BASE}/settings/training/`,
  credentialingSettings: `${BASE}/settings/credentialing/`,
  credentialApplication: `${BASE}/credential-application/`,
  signDua: (slug: string, version: string) => `${BASE}/sign-dua/${encodeURIComponent(slug)}/${encodeURIComponent(version)}/`,
  project: (slug: string, version: string) => `${BASE}/content/${encodeURIComponent(slug)}/${encodeURIComponent(version)}/`,
  checksums: (slug: string, version: string) => `${BASE}/files/${encodeURIComponent(slug)}/${encodeURIComponent(version)}/SHA256SUMS.txt`,
};
