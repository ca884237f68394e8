/**
 * Polls `check` (which may ask Redis, a server or another process) every `every` ms of real
 * time until it is true; fails after `within` ms saying what it waited for. For I/O that a
 * manual clock does not drive: it waits for the thing itself, never for a time hoped to be
 * enough. Answers how long it took, in ms.
 */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  { within = 5000, every = 10 }: { within?: number; every?: number } = {},
): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > within) {
      throw new Error(`timed out after ${within} ms waiting until ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, every));
  }
  return Date.now() - start;
}
