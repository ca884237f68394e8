/** Polls `check` every 10 ms until it is true; fails after `within` ms saying what it waited for. */
export async function waitFor(check: () => boolean, what: string, within = 5000): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > within)
      throw new Error(`timed out after ${within} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - start;
}
