import type { CpuUsage } from '../json.js';

/** Throws when CPU recording was asked for where `process.cpuUsage` does not exist. */
export function requireCpuUsage(): void {
  if (typeof globalThis.process?.cpuUsage !== 'function') {
    throw new TypeError(
      '@dyno/timing: option `cpu` needs process.cpuUsage(), which is missing here',
    );
  }
}

/** The process's CPU usage now. */
export function cpuNow(): NodeJS.CpuUsage {
  return process.cpuUsage();
}

/** The CPU time used since `start`, in microseconds. */
export function cpuDelta(start: NodeJS.CpuUsage): CpuUsage {
  const { user, system } = process.cpuUsage(start);
  return { user, system };
}
