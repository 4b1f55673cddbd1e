// What the numbers were measured on: cores, memory, Node, load average and the descriptor limit.
import { execSync } from 'node:child_process';
import os from 'node:os';

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cores: os.availableParallelism(),
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    fileDescriptorLimit: fdLimit(),
  };
}

/** 1, 5 and 15 minute load averages, rounded. */
export function loadAverage() {
  return os.loadavg().map((v) => Math.round(v * 100) / 100);
}

function fdLimit() {
  try {
    return Number(execSync('ulimit -n', { shell: '/bin/sh', encoding: 'utf8' }).trim());
  } catch {
    return Number.NaN;
  }
}
