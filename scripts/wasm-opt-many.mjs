// Optimises many WebAssembly modules in one process, as `wasm-opt -Oz` with the features below
// would one at a time, rewriting each file in place. Run by scripts/build-web, one process per core.
//
// Why not the wasm-opt command: binaryen's npm build is itself WebAssembly under Node, and each
// start of it costs about half a second — more than optimising one of the app's hundreds of small
// split chunks (2026-11-29: 688 modules, 519 of them under 2 KB; about 6 minutes of CPU in starts
// alone). The library is the same binaryen with the same passes (optimize level 2, shrink level 2:
// what -Oz sets), started once.
//
//   node scripts/wasm-opt-many.mjs <binaryen's index.js> <file.wasm>…

import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [lib, ...files] = process.argv.slice(2);
const binaryen = (await import(pathToFileURL(lib).href)).default;
const F = binaryen.Features;
// The features current Rust emits for wasm32 by default (as build-web's --enable-… flags).
const features =
  F.BulkMemory | F.MutableGlobals | F.NontrappingFPToInt | F.ReferenceTypes | F.SignExt | F.Multivalue;

binaryen.setOptimizeLevel(2);
binaryen.setShrinkLevel(2);
binaryen.setDebugInfo(false);

for (const file of files) {
  const module = binaryen.readBinary(readFileSync(file), features);
  if (!module.validate()) {
    console.error(`[wasm-opt-many] ${file} is not a valid module`);
    process.exit(1);
  }
  module.optimize();
  if (!module.validate()) {
    console.error(`[wasm-opt-many] ${file} is not valid after optimising`);
    process.exit(1);
  }
  writeFileSync(file, module.emitBinary());
  module.dispose();
}
