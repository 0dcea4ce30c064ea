// Tests that provoke an error log on purpose call this; any other console.error fails the test.
export const consoleErrors = { allowed: false };
export function allowConsoleError(): void {
  consoleErrors.allowed = true;
}
