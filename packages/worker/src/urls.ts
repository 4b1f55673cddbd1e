// Worker-route URLs built from the launcher's templates (spec §6, §7.2), with runpod-python's substitutions.

/** Replaces every occurrence literally (String#replace would read `$&` and friends in ids as patterns). */
export function fill(template: string, placeholder: string, value: string): string {
  return template.split(placeholder).join(value);
}

/**
 * Appends `query` (already encoded). runpod-python always appends with a bare `&`, which breaks on a
 * template without `?` (the server repairs such paths, spec §6.1); we pick the right separator instead.
 */
export function withQuery(url: string, query: string): string {
  if (!query) return url;
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

/** Adds `next=N` (a Sluice extension: the answer carries up to N next jobs) when N > 0. */
export function withNext(url: string, next: number | undefined): string {
  return next !== undefined && next > 0 ? withQuery(url, `next=${next}`) : url;
}

export interface UrlTemplates {
  jobTake: string;
  jobDone: string;
  jobStream?: string;
  ping?: string;
  /** SLUICE_WEBHOOK_POST_OUTPUT_BATCH (sluice extension). */
  jobDoneBatch?: string;
}

export interface WorkerUrls {
  jobTake(jobInProgress: boolean): string;
  jobTakeBatch(batchSize: number, jobInProgress: boolean): string;
  /** Undefined when the job-take template lacks `/job-take/`: the stop channel is then disabled. */
  jobStop: string | undefined;
  /** `next` > 0 asks for that many next jobs in the answer (`next=N`, a Sluice extension). */
  jobDone(jobId: string, isStream: boolean, next?: number): string;
  /** Undefined when SLUICE_WEBHOOK_POST_OUTPUT_BATCH is unset (RunPod, or a worker started by hand). */
  jobDoneBatch: string | undefined;
  /**
   * Undefined when RUNPOD_WEBHOOK_POST_STREAM is unset. `seq` numbers the job's posts from 1 (`stream_seq`, a
   * Sluice extension): a retried post keeps its number, so the server applies it once. RunPod ignores it.
   */
  jobStream(jobId: string, seq?: number): string | undefined;
  /** Undefined when RUNPOD_WEBHOOK_PING is unset. */
  ping(jobIds: readonly string[], runpodVersion: string): string | undefined;
}

const TAKE = '/job-take/';

export function buildWorkerUrls(templates: UrlTemplates, workerId: string): WorkerUrls {
  // job-take gets only `$ID` → worker id; `$RUNPOD_POD_ID` goes out literally there, as in runpod-python.
  const take = fill(templates.jobTake, '$ID', workerId);
  const hasTake = take.includes(TAKE);
  // The others get `$RUNPOD_POD_ID` → worker id now and `$ID` → job id per post, runpod-python's order.
  const done = fill(templates.jobDone, '$RUNPOD_POD_ID', workerId);
  const stream = templates.jobStream && fill(templates.jobStream, '$RUNPOD_POD_ID', workerId);
  const ping = templates.ping && fill(templates.ping, '$RUNPOD_POD_ID', workerId);
  // Nothing appended: each result in the batch carries its own job id and isStream.
  const doneBatch = templates.jobDoneBatch && fill(templates.jobDoneBatch, '$RUNPOD_POD_ID', workerId);
  const flag = (on: boolean): string => (on ? '1' : '0');
  return {
    jobTake: (inProgress) => withQuery(take, `job_in_progress=${flag(inProgress)}`),
    jobTakeBatch: (batchSize, inProgress) =>
      withQuery(fill(take, TAKE, '/job-take-batch/'), `batch_size=${batchSize}&job_in_progress=${flag(inProgress)}`),
    // Template query kept, nothing appended (spec §6.6).
    jobStop: hasTake ? fill(take, TAKE, '/job-stop/') : undefined,
    jobDone: (jobId, isStream, next) =>
      withNext(withQuery(fill(done, '$ID', jobId), `isStream=${String(isStream)}`), next),
    jobDoneBatch: doneBatch,
    jobStream: (jobId, seq) =>
      stream &&
      withQuery(fill(stream, '$ID', jobId), seq === undefined ? 'isStream=false' : `isStream=false&stream_seq=${seq}`),
    ping: (jobIds, runpodVersion) => {
      if (!ping) return undefined;
      // `job_id` is absent when idle (spec §6.7); the comma is encoded as %2C, as Python's requests does.
      const jobs = jobIds.length > 0 ? `job_id=${encodeURIComponent(jobIds.join(','))}&` : '';
      return withQuery(ping, `${jobs}runpod_version=${encodeURIComponent(runpodVersion)}`);
    },
  };
}
