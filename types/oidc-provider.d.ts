// oidc-provider ships no types; it is used only by the end-to-end tests' loopback identity provider.
declare module "oidc-provider" {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const Provider: any;
  export default Provider;
}
