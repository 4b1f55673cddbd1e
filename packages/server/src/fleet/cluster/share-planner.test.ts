import { describe, expect, it } from 'vitest';
import { planShares, type PlannerServer } from './share-planner.js';

const server = (serverId: string, active: string[], capacity: number): PlannerServer => ({
  serverId,
  active,
  capacity,
});
const targets = (plan: ReturnType<typeof planShares>) =>
  Object.fromEntries(Object.entries(plan.shares).map(([id, s]) => [id, s.target]));

describe('planShares', () => {
  it('spreads a burst over the servers with the most room', () => {
    const servers = [server('a', [], 2), server('b', [], 2), server('c', [], 2)];
    const plan = planShares({ target: 6, retire: [], servers, previous: {} });
    expect(targets(plan)).toEqual({ a: 2, b: 2, c: 2 });
    expect(plan.unplaced).toBe(0);
    expect(plan.shares['a']?.why).toBe('+2 (room for 2 more)');
  });

  it('grows one step at a time onto the emptiest server and keeps earlier shares', () => {
    const servers = [server('a', ['w1'], 2), server('b', [], 2)];
    const plan = planShares({ target: 2, retire: [], servers, previous: { a: { target: 1, retire: [], why: '' } } });
    expect(targets(plan)).toEqual({ a: 1, b: 1 });
  });

  it('keeps a share whose workers are still starting even when the advert does not show them yet', () => {
    const servers = [server('a', [], 2), server('b', [], 2)];
    const previous = { a: { target: 2, retire: [], why: '' } };
    expect(targets(planShares({ target: 2, retire: [], servers, previous }))).toEqual({ a: 2, b: 0 });
  });

  it('takes retirees from the share of the server that runs them', () => {
    const servers = [server('a', ['w1', 'w2'], 2), server('b', ['w3'], 2)];
    const previous = { a: { target: 2, retire: [], why: '' }, b: { target: 1, retire: [], why: '' } };
    const plan = planShares({ target: 1, retire: ['w1', 'w3'], servers, previous });
    expect(plan.shares).toEqual({
      a: { target: 1, retire: ['w1'], why: 'retire w1' },
      b: { target: 0, retire: ['w3'], why: 'retire w3' },
    });
  });

  it('drops the share of a server that is gone and places it where there is room', () => {
    const servers = [server('a', ['w1'], 2), server('b', ['w2'], 1)];
    const previous = {
      a: { target: 1, retire: [], why: '' },
      b: { target: 1, retire: [], why: '' },
      c: { target: 1, retire: [], why: '' },
    };
    const plan = planShares({ target: 3, retire: [], servers, previous });
    expect(targets(plan)).toEqual({ a: 2, b: 1 });
    expect(plan.unplaced).toBe(0);
  });

  it('reports what no server has room for and never exceeds a capacity', () => {
    const servers = [server('a', ['w1', 'w2'], 2), server('b', ['w3', 'w4'], 2)];
    const plan = planShares({ target: 6, retire: [], servers, previous: {} });
    expect(targets(plan)).toEqual({ a: 2, b: 2 });
    expect(plan.unplaced).toBe(2);
  });

  it('drops unstarted workers first when the target falls', () => {
    const servers = [server('a', ['w1'], 2), server('b', [], 2)];
    const previous = { a: { target: 2, retire: [], why: '' }, b: { target: 2, retire: [], why: '' } };
    const plan = planShares({ target: 1, retire: [], servers, previous });
    expect(targets(plan)).toEqual({ a: 1, b: 0 });
    expect(plan.shares['b']?.why).toBe('-2 not started');
  });

  it('does not count a retiring worker’s GPUs as room', () => {
    const servers = [server('a', ['w1', 'w2'], 2), server('b', [], 1)];
    const previous = { a: { target: 2, retire: [], why: '' } };
    const plan = planShares({ target: 2, retire: ['w1'], servers, previous });
    expect(targets(plan)).toEqual({ a: 1, b: 1 });
  });
});
