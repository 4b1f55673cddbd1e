import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { endpointSchema } from '../../config/config-schema.js';
import { MemoryFleetRegistry } from '../../testing/memory-fleet-registry.js';
import type { LaunchedWorker } from '../launcher.js';
import type { ScalerWorker } from '../scaler-policy.js';
import { ClusterMember } from './cluster-member.js';
import { FleetCoordinator, type FleetTickInput } from './fleet-coordinator.js';
import { LocalAdvert, type AdvertisedLauncher } from './local-advert.js';

const T0 = 1_700_000_000_000;
const settings = endpointSchema.parse({
  workersMin: 0,
  workersMax: 6,
  scalerType: 'REQUEST_COUNT',
  scalerValue: 1,
  idleTimeout: 5,
  gpuCount: 1,
  worker: { command: 'node' },
});

/** One server: a launcher whose workers the test sets, its advert, membership and coordinator, on one clock. */
function server(registry: MemoryFleetRegistry, clock: { now: number }, serverId: string, gpus: number[]) {
  const workers: LaunchedWorker[] = [];
  const launcher: AdvertisedLauncher = {
    workersOf: () => workers,
    throttled: () => 0,
    initializing: () => 0,
    freeGpus: () => gpus.length - workers.reduce((n, w) => n + w.gpus.length, 0),
  };
  const now = () => clock.now;
  const log = pino({ level: 'silent' });
  const advert = new LocalAdvert(launcher, now);
  const member = new ClusterMember(
    registry,
    { serverId, baseUrl: `http://${serverId}`, gpus, cpuSlots: 2, leaseMs: 5000, heartbeatMs: 1000, now },
    advert,
    log,
  );
  const coordinator = new FleetCoordinator(registry, member, advert, log);
  const run = (id: string, gpu: number, state: LaunchedWorker['state'], inFlight = 0) => {
    workers.push({
      endpointId: 'gen',
      workerId: id,
      state,
      gpus: [gpu],
      label: `gpu${gpu}`,
      startedAt: clock.now,
      record: { endpointId: 'gen', workerId: id, firstSeenAt: clock.now, pingJobIds: [], draining: false, inFlight },
      stderrTail: [],
    });
  };
  return { member, coordinator, workers, run };
}

function tick(queued: number, inProgress: number, now: number, local: ScalerWorker[] = []): FleetTickInput {
  return {
    endpointId: 'gen',
    settings,
    now,
    stats: { queued, queuedNormal: queued, ...(queued > 0 ? { oldestNormalQueuedAt: now - 1000 } : {}) },
    inProgress,
    local,
  };
}

describe('FleetCoordinator', () => {
  it('lets the decider split a burst over the servers, and each server carry out its share', async () => {
    const clock = { now: T0 };
    const registry = new MemoryFleetRegistry(() => clock.now);
    const a = server(registry, clock, 'a', [0, 1]);
    const b = server(registry, clock, 'b', [2, 3]);
    // Each server ticks the endpoint once (so it advertises it), then beats: a takes the lease first.
    await b.coordinator.tick(tick(0, 0, clock.now));
    await a.coordinator.tick(tick(0, 0, clock.now));
    await a.member.beat();
    await b.member.beat();
    expect(a.member.isDecider('gen')).toBe(true);
    expect(b.member.isDecider('gen')).toBe(false);

    const onA = await a.coordinator.tick(tick(10, 0, clock.now));
    expect(onA).toMatchObject({ target: 2, retire: [] });
    expect(onA.decision).toMatchObject({ from: 0, to: 6, decidedBy: 'a', reason: expect.stringMatching(/= 10/) });
    expect(onA.decision?.reason).toMatch(/2 worker\(s\) fit on no server/);
    const onB = await b.coordinator.tick(tick(10, 0, clock.now));
    expect(onB).toMatchObject({ target: 2, why: '+2 (room for 2 more)' });
    // b records the decider's decision once, not at every tick.
    expect(onB.decision?.shares?.['b']?.target).toBe(2);
    expect((await b.coordinator.tick(tick(10, 0, clock.now))).decision).toBeUndefined();
    expect(a.coordinator.unplaced('gen')).toBe(2);
  });

  it('retires the longest-idle worker of the fleet, on whichever server runs it, never a busy one', async () => {
    const clock = { now: T0 };
    const registry = new MemoryFleetRegistry(() => clock.now);
    const a = server(registry, clock, 'a', [0, 1]);
    const b = server(registry, clock, 'b', [2, 3]);
    a.run('a1', 0, 'ready', 1);
    b.run('b1', 2, 'ready');
    b.run('b2', 3, 'ready');
    await a.coordinator.tick(tick(0, 2, clock.now, [{ workerId: 'a1', starting: false, inFlight: 1 }]));
    // b's workers have been idle 20 s and 8 s, both past the 5 s idleTimeout; two running jobs keep two workers.
    const idle = [
      { workerId: 'b1', starting: false, inFlight: 0, idleSince: clock.now - 20_000 },
      { workerId: 'b2', starting: false, inFlight: 0, idleSince: clock.now - 8_000 },
    ];
    await b.coordinator.tick(tick(0, 2, clock.now, idle));
    await a.member.beat();
    await b.member.beat();
    await registry.saveAssignment({
      endpointId: 'gen',
      seq: 1,
      decidedBy: 'a',
      at: clock.now,
      from: 0,
      target: 3,
      reason: 'earlier burst',
      shares: { a: { target: 1, retire: [], why: '' }, b: { target: 2, retire: [], why: '' } },
      observed: { queued: 0, queuedNormal: 0, inProgress: 3, workers: 3 },
    });
    const onA = await a.coordinator.tick(tick(0, 2, clock.now, [{ workerId: 'a1', starting: false, inFlight: 1 }]));
    expect(onA.target).toBe(1);
    expect(onA.decision).toMatchObject({ from: 3, to: 2, retire: ['b1'] });
    const onB = await b.coordinator.tick(tick(0, 2, clock.now, idle));
    expect(onB).toMatchObject({ target: 1, retire: ['b1'] });
  });
});
