// The text the admin commands print for people (JSON mode prints the answers as they are).
import { describe, expect, it } from 'vitest';
import type { EndpointSummary, WorkersSummary } from '../fleet/fleet-views.js';
import { formatEndpoints, formatReload, formatWorkers } from './admin-commands.js';

const NOW = Date.now();

const endpoint: EndpointSummary = {
  id: 'echo',
  settings: {
    workersMin: 0,
    workersMax: 4,
    idleTimeout: 5,
    scalerType: 'REQUEST_COUNT',
    scalerValue: 3,
    gpuCount: 0,
    worker: { command: 'node', args: ['w.js'] },
  },
  queue: { queued: 7, queuedNormal: 6, inProgress: 2, oldestNormalWaitMs: 2500 },
  workers: {
    starting: 1,
    idle: 0,
    running: 2,
    draining: 1,
    stopping: 0,
    unhealthy: 0,
    exited: 1,
    throttled: 0,
    external: 0,
  },
  scaler: {
    state: 'scaling-up',
    target: 3,
    decisions: [
      {
        at: NOW - 3000,
        from: 2,
        to: 3,
        retire: [],
        reason: 'ceil((6 queued + 2 running) / 3) = 3',
        observed: { queued: 7, queuedNormal: 6, inProgress: 2, workers: 2 },
      },
    ],
    crashLoop: false,
    quickExits: 0,
  },
};

describe('admin command output', () => {
  it('shows endpoints as a table, with the latest decision of each', () => {
    const text = formatEndpoints({ endpoints: [endpoint] });
    const [header, row, decision] = text.split('\n');
    expect(header).toMatch(/^ENDPOINT\s+SCALER\s+MIN-MAX\s+STATE\s+TARGET/);
    expect(row).toMatch(
      /^echo\s+REQUEST_COUNT 3\s+0-4\s+scaling-up\s+3\s+1\/0\/2\/1\s+0\s+1\s+7 \(6 normal\)\s+2\.5s$/,
    );
    expect(decision).toBe('echo: 2 -> 3 3s ago: ceil((6 queued + 2 running) / 3) = 3');
    expect(formatEndpoints({ endpoints: [] })).toBe('no endpoints\n');
  });

  it("shows an endpoint's workers, unhealthy reasons and the stderr of the last crash", () => {
    const summary: WorkersSummary = {
      endpointId: 'echo',
      target: 1,
      throttled: 1,
      crashLoop: true,
      quickExits: 5,
      lastExit: { workerId: 'w-b', code: 3, signal: null, at: NOW, livedMs: 120, stderrTail: ['fatal: no weights'] },
      workers: [
        {
          workerId: 'w-a',
          managed: true,
          pid: 42,
          state: 'idle',
          gpus: [0, 1],
          label: 'gpu0-1',
          startedAt: NOW - 5000,
          lastSeenAt: NOW,
          inFlight: 0,
          stderrTail: [],
        },
        {
          workerId: 'w-b',
          managed: true,
          state: 'exited',
          gpus: [],
          inFlight: 0,
          unhealthy: { at: NOW, check: 'crash-loop', reason: 'exited 5 times' },
          stderrTail: [],
        },
      ],
    };
    const text = formatWorkers(summary);
    expect(text).toContain('echo: target 1, throttled 1, CRASH LOOP (5 quick exits in a row)');
    expect(text).toMatch(/w-a\s+42\s+idle\s+0,1\s+0\s+5s ago\s+0s ago/);
    expect(text).toContain('w-b unhealthy (crash-loop): exited 5 times');
    expect(text).toContain('last unplanned exit: w-b, code 3, after 120 ms');
    expect(text).toContain('  | fatal: no weights');
  });

  it('shows which server runs each worker of a shared fleet, and who decides', () => {
    const worker = (workerId: string, server: string, gpus: number[]) => ({
      workerId,
      managed: true,
      server,
      pid: 7,
      state: 'running' as const,
      gpus,
      inFlight: 1,
      startedAt: NOW - 2000,
      lastSeenAt: NOW,
      stderrTail: [],
    });
    const text = formatWorkers({
      endpointId: 'gen',
      target: 1,
      throttled: 0,
      crashLoop: false,
      quickExits: 0,
      workers: [worker('w-a', 'box1/10.0.0.1:8080', [0]), worker('w-b', 'box2/10.0.0.2:8080', [1])],
      fleet: {
        server: 'box1/10.0.0.1:8080',
        decider: 'box2/10.0.0.2:8080',
        fleetTarget: 2,
        servers: [
          {
            serverId: 'box1/10.0.0.1:8080',
            baseUrl: 'http://10.0.0.1:8080',
            decider: false,
            gpus: [0, 1],
            freeGpus: 1,
            share: 1,
            workers: 1,
          },
          {
            serverId: 'box2/10.0.0.2:8080',
            baseUrl: 'http://10.0.0.2:8080',
            decider: true,
            gpus: [0, 1],
            freeGpus: 1,
            share: 1,
            workers: 1,
          },
        ],
      },
    });
    expect(text).toContain('fleet: target 2, decided by box2/10.0.0.2:8080');
    expect(text).toContain('  box2/10.0.0.2:8080 (decides): share 1, 1 worker(s), 1/2 GPUs free');
    expect(text).toMatch(/WORKER\s+SERVER\s+PID/);
    expect(text).toMatch(/w-b\s+box2\/10\.0\.0\.2:8080\s+7\s+running\s+1\s+1/);
  });

  it('summarises a reload', () => {
    const text = formatReload({
      added: ['b'],
      changed: [],
      removed: ['c'],
      unchanged: ['a'],
      restartRequired: ['auth'],
    });
    expect(text).toBe('added: b\nchanged: -\nremoved: c (their jobs are kept)\nunchanged: a\nrestart to apply: auth\n');
  });
});
