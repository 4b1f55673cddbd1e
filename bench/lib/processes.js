// Child processes of the benchmark: spawned in their own process group, tracked so that every one of them
// is stopped when a scenario ends or the run is interrupted, and measured through /proc.
import { execSync, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const live = new Set();
const OUTPUT_KEEP = 64 * 1024;

/**
 * Spawns `command args` detached (its own group, so whatever it launches is stopped with it) and resolves
 * once `ready` (a RegExp) matches its output; the match is returned as `handle.ready`.
 */
export async function spawnProcess(command, args, { env = {}, cwd, ready, readyTimeoutMs = 30_000, label } = {}) {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const keep = (chunk) => {
    output += chunk.toString();
    if (output.length > OUTPUT_KEEP) output = output.slice(-OUTPUT_KEEP / 2);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const handle = {
    label: label ?? args.join(' '),
    child,
    pid: child.pid,
    ready: undefined,
    output: () => output,
    exited,
    /** SIGTERM, then SIGKILL to the whole group after `graceMs`; resolves with the exit code or signal. */
    async stop(graceMs = 20_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => killGroup(child.pid), graceMs);
      const code = await exited;
      clearTimeout(timer);
      killGroup(child.pid);
      live.delete(handle);
      return code;
    },
    /** SIGKILL to the process and its group. */
    async kill() {
      killGroup(child.pid);
      await exited;
      live.delete(handle);
    },
  };
  live.add(handle);
  if (!ready) return handle;
  handle.ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`${handle.label}: not ready after ${readyTimeoutMs} ms`)),
      readyTimeoutMs,
    );
    const onData = () => {
      const match = ready.exec(output);
      if (match) done(() => resolve(match));
    };
    const fail = (err) => done(() => reject(err));
    const done = (then) => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stderr.off('data', onData);
      then();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => fail(new Error(`${handle.label} exited with ${code}:\n${output.slice(-4000)}`)));
  }).catch(async (err) => {
    await handle.kill();
    throw err;
  });
  return handle;
}

function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}

/** Stops every process this run started and that is still tracked (used on errors and interrupts). */
export async function stopAll() {
  await Promise.all([...live].map((handle) => handle.stop(5000)));
}

/** Resident and peak resident memory of `pid` in MB, from /proc (Linux). */
export function memoryMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

/** Open file descriptors of `pid` (Linux). */
export function openFds(pid) {
  return readdirSync(`/proc/${pid}/fd`).length;
}

let ticksPerSecond;

/** CPU time (user + system) `pid` has used so far, in ms, from /proc (Linux). */
export function cpuMs(pid) {
  ticksPerSecond ??= Number(execSync('getconf CLK_TCK', { encoding: 'utf8' }).trim()) || 100;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

/** Direct children of `pid` (e.g. the workers a Sluice server launched). */
export function childPids(pid) {
  const pids = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (text) pids.push(...text.split(/\s+/).map(Number));
  }
  return pids;
}

/** Summed CPU ms of `pids`, skipping any that have exited. */
export function totalCpuMs(pids) {
  let sum = 0;
  for (const pid of pids) {
    try {
      sum += cpuMs(pid);
    } catch {
      // Exited: its time is no longer readable.
    }
  }
  return sum;
}
