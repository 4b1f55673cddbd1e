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
