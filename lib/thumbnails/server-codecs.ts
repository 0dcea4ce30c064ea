import "server-only";
import { readFileSync } from "node:fs";
import path from "node:path";
import { configureWasmCodecs } from "@/lib/dicom/codecs/wasm-codecs";

let configured = false;

/**
 * In the bundled server the codecs' Emscripten glue no longer sits next to its .wasm, so the bytes
 * are read from the installed packages (the app runs from its checkout, as `next start` does).
 */
export function configureServerCodecs(): void {
  if (configured) return;
  configured = true;
  const dist = (pkg: string, file: string) => path.join(process.cwd(), "node_modules", "@cornerstonejs", pkg, "dist", file);
  try {
    configureWasmCodecs({
      wasmBinary: {
        charls: readFileSync(/*turbopackIgnore: true*/ dist("codec-charls", "charlswasm_decode.wasm")),
        openjpeg: readFileSync(/*turbopackIgnore: true*/ dist("codec-openjpeg", "openjpegwasm_decode.wasm")),
      },
    });
  } catch {
    // Not installed where expected: leave the glue to find its files itself (works unbundled).
  }
}
