import { describe, expect, it } from 'vitest';
import { buildWorkerUrls, fill, withQuery } from './urls.js';

const base = 'https://sluice.test/v2/ep';
const templates = {
  jobTake: `${base}/job-take/$ID?gpu=cpu`,
  jobDone: `${base}/job-done/$RUNPOD_POD_ID/$ID?gpu=cpu`,
  jobStream: `${base}/job-stream/$RUNPOD_POD_ID/$ID?gpu=cpu`,
  ping: `${base}/ping/$RUNPOD_POD_ID?gpu=cpu`,
};

describe('buildWorkerUrls', () => {
  const urls = buildWorkerUrls(templates, 'w1');

  it('fills $ID with the worker id on job-take and appends job_in_progress', () => {
    expect(urls.jobTake(false)).toBe(`${base}/job-take/w1?gpu=cpu&job_in_progress=0`);
    expect(urls.jobTake(true)).toBe(`${base}/job-take/w1?gpu=cpu&job_in_progress=1`);
  });

  it('derives job-take-batch with batch_size', () => {
    expect(urls.jobTakeBatch(4, true)).toBe(`${base}/job-take-batch/w1?gpu=cpu&batch_size=4&job_in_progress=1`);
  });

  it('derives job-stop with the template query kept and nothing appended', () => {
    expect(urls.jobStop).toBe(`${base}/job-stop/w1?gpu=cpu`);
  });

  it('fills $RUNPOD_POD_ID then $ID on job-done and job-stream', () => {
    expect(urls.jobDone('job-1', false)).toBe(`${base}/job-done/w1/job-1?gpu=cpu&isStream=false`);
    expect(urls.jobDone('job-1', true)).toBe(`${base}/job-done/w1/job-1?gpu=cpu&isStream=true`);
    expect(urls.jobDone('job-1', false, 3)).toBe(`${base}/job-done/w1/job-1?gpu=cpu&isStream=false&next=3`);
    expect(urls.jobDone('job-1', false, 0)).toBe(`${base}/job-done/w1/job-1?gpu=cpu&isStream=false`);
    expect(urls.jobStream('job-1')).toBe(`${base}/job-stream/w1/job-1?gpu=cpu&isStream=false`);
  });

  it('leaves $RUNPOD_POD_ID literal on job-take, as runpod-python does', () => {
    const odd = buildWorkerUrls({ ...templates, jobTake: `${base}/job-take/$RUNPOD_POD_ID?x=1` }, 'w1');
    expect(odd.jobTake(false)).toBe(`${base}/job-take/$RUNPOD_POD_ID?x=1&job_in_progress=0`);
  });

  it('puts comma-joined job ids (encoded) and the version on pings, job_id absent when idle', () => {
    expect(urls.ping(['a', 'b'], '1.12.0-sluice')).toBe(
      `${base}/ping/w1?gpu=cpu&job_id=a%2Cb&runpod_version=1.12.0-sluice`,
    );
    expect(urls.ping([], '1.12.0-sluice')).toBe(`${base}/ping/w1?gpu=cpu&runpod_version=1.12.0-sluice`);
  });

  it('starts the query with ? when a template has none', () => {
    const bare = buildWorkerUrls(
      {
        jobTake: `${base}/job-take/$ID`,
        jobDone: `${base}/job-done/$RUNPOD_POD_ID/$ID`,
        jobStream: `${base}/job-stream/$RUNPOD_POD_ID/$ID`,
        ping: `${base}/ping/$RUNPOD_POD_ID`,
      },
      'w1',
    );
    expect(bare.jobTake(false)).toBe(`${base}/job-take/w1?job_in_progress=0`);
    expect(bare.jobTakeBatch(2, false)).toBe(`${base}/job-take-batch/w1?batch_size=2&job_in_progress=0`);
    expect(bare.jobStop).toBe(`${base}/job-stop/w1`);
    expect(bare.jobDone('j', true)).toBe(`${base}/job-done/w1/j?isStream=true`);
    expect(bare.ping(['j'], 'v')).toBe(`${base}/ping/w1?job_id=j&runpod_version=v`);
  });

  it('disables job-stop when the take template has no /job-take/', () => {
    expect(buildWorkerUrls({ ...templates, jobTake: `${base}/take/$ID?a=1` }, 'w1').jobStop).toBeUndefined();
  });

  it('has no stream, ping or job-done-batch URL without their templates', () => {
    const minimal = buildWorkerUrls({ jobTake: templates.jobTake, jobDone: templates.jobDone }, 'w1');
    expect(minimal.jobStream('j')).toBeUndefined();
    expect(minimal.ping([], 'v')).toBeUndefined();
    expect(minimal.jobDoneBatch).toBeUndefined();
  });

  it('fills $RUNPOD_POD_ID on job-done-batch and appends nothing', () => {
    const batch = buildWorkerUrls({ ...templates, jobDoneBatch: `${base}/job-done-batch/$RUNPOD_POD_ID?gpu=0` }, 'w1');
    expect(batch.jobDoneBatch).toBe(`${base}/job-done-batch/w1?gpu=0`);
  });
});

describe('fill and withQuery', () => {
  it('replaces every occurrence and reads no $ patterns in the value', () => {
    expect(fill('/$ID/x/$ID', '$ID', "a$&b$'")).toBe("/a$&b$'/x/a$&b$'");
  });

  it('joins with & after an existing query', () => {
    expect(withQuery('http://h/p?a=1', 'b=2')).toBe('http://h/p?a=1&b=2');
    expect(withQuery('http://h/p', 'b=2')).toBe('http://h/p?b=2');
    expect(withQuery('http://h/p', '')).toBe('http://h/p');
  });
});
