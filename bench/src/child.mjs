// Spawning the child processes of a run.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Runs `node [flags] src/<script> ...args` in the bench directory; resolves with its output. */
export function runNode(script, args, { flags = [], limitMs = 120_000, onLine } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [...flags, `src/${script}`, ...args], {
      cwd: BENCH_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (onLine) for (const line of String(chunk).split('\n')) if (line) onLine(line, Date.now());
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, killed, stdout, stderr, exitedAt: Date.now(), ms: Date.now() - started });
    });
  });
}

/** The `@@RESULT` JSON of a scenario child, or `{ crash }` with its error output. */
export async function runScenario(args) {
  const out = await runNode('scenario.mjs', args, { flags: ['--expose-gc'] });
  const line = out.stdout.split('\n').find((l) => l.startsWith('@@RESULT '));
  if (!line) {
    const why = out.killed ? 'killed after the time limit' : `exit code ${out.code}`;
    return { crash: `${why}: ${out.stderr.trim().split('\n').slice(-3).join(' ')}` };
  }
  return JSON.parse(line.slice('@@RESULT '.length));
}

/**
 * Whether a child that used `lib` once exits by itself, and how long after its last use.
 * `limitMs` bounds the wait; a child still alive then is killed and reported as not exiting.
 */
export async function exitCheck(lib, cap, limitMs) {
  let doneAt;
  let used = '';
  const out = await runNode('exit-check.mjs', cap ? [lib, cap] : [lib], {
    limitMs,
    onLine(line) {
      if (line.startsWith('@@DONE ')) {
        const [, at, caps] = line.split(' ');
        doneAt = Number(at);
        used = caps ?? '';
      }
    },
  });
  if (doneAt === undefined) {
    return { lib, cap, exits: false, error: out.stderr.trim().split('\n').slice(-2).join(' ') };
  }
  return {
    lib,
    cap,
    exits: !out.killed && out.code === 0,
    afterMs: out.exitedAt - doneAt,
    used: used ? used.split(',') : [],
  };
}
