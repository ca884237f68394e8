import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** promtool from DYNO_PROMTOOL or PATH (Debian's `prometheus` package ships it). */
export function findPromtool(): string {
  const fromEnv = process.env.DYNO_PROMTOOL;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!existsSync(fromEnv))
      throw new Error(`DYNO_PROMTOOL points to ${fromEnv}, which does not exist`);
    return fromEnv;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'promtool');
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  throw new Error(
    'promtool not found: install it (Debian/Ubuntu: `apt-get install prometheus`) or set DYNO_PROMTOOL to its path; the Prometheus exporter test needs it',
  );
}

/**
 * Parses `text` with promtool's OpenMetrics parser (`tsdb create-blocks-from openmetrics`,
 * which needs a timestamp on every sample: one is appended) into a throwaway directory.
 */
export function openMetricsCheck(text: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dyno-om-'));
  try {
    const stamped = text
      .split('\n')
      .map((line) => (line === '' || line.startsWith('#') ? line : `${line} 1700000000`))
      .join('\n');
    writeFileSync(join(dir, 'in.om'), stamped);
    const result = spawnSync(
      findPromtool(),
      ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'in.om'), join(dir, 'out')],
      { encoding: 'utf8' },
    );
    const output = `${result.stdout}${result.stderr}`.replace(/^BLOCK ULID.*\n(.*\n)*/m, '');
    return { status: result.status, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `promtool check metrics` (parse and lint) on `text`. */
export function promtoolCheck(text: string): { status: number | null; output: string } {
  const result = spawnSync(findPromtool(), ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Runs promtool with `args`; status and the output of both streams. */
export function promtool(
  args: readonly string[],
  cwd?: string,
): { status: number | null; output: string } {
  const result = spawnSync(findPromtool(), args, { encoding: 'utf8', cwd });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
