// Version strings the worker reports to the server.

/** Version of this package (kept in step with package.json by hand). */
export const SDK_VERSION = '0.1.0';

/**
 * Sent as `runpod_version` on pings and in handler error reports. The server keys features on it
 * (job-stop needs ≥ 1.10, spec §6.6), so we claim the runpod-python release whose protocol we speak,
 * with a suffix that tells operators this is the TypeScript SDK.
 */
export const RUNPOD_VERSION = '1.12.0-sluice';
