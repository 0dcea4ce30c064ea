// Writes lib/dicom/dictionary.json from the installed dcmjs. Run after upgrading dcmjs:
//   npx tsx scripts/generate-dicom-dictionary.ts
import { writeFileSync } from "node:fs";
import { buildDictionaryData, serializeDictionaryData } from "./lib/dicom-dictionary-source";

const data = buildDictionaryData();
writeFileSync(new URL("../lib/dicom/dictionary.json", import.meta.url), serializeDictionaryData(data));
console.log(`lib/dicom/dictionary.json: ${Object.keys(data.tags).length} tags, ${data.ranges.length} repeating-group entries (${data.source})`);
