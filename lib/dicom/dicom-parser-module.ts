// dicom-parser is a UMD bundle: bundlers and Vitest see its named exports, Node's own ESM loader
// (tsx scripts, e.g. e2e/support/render-reference.ts) sees only `default`. Both give the same object.
import * as namespace from "dicom-parser";

const dicomParser: typeof namespace = (namespace as { default?: typeof namespace }).default ?? namespace;
export default dicomParser;
