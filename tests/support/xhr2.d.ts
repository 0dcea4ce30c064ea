// xhr2 ships no types: it is an XMLHttpRequest for Node, which is how the tests use it.
declare module "xhr2" {
  const XMLHttpRequest: typeof globalThis.XMLHttpRequest;
  export default XMLHttpRequest;
}
