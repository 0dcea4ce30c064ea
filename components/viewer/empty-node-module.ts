// Stands in for Node built-ins (`fs`) in the browser bundle: the WASM codecs' Emscripten glue
// requires them only on its Node path, which never runs in a browser.
const empty = {};
export default empty;
