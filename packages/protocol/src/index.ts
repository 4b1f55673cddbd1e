// @sluice/protocol: the wire contract shared by the server, the worker SDK and the client SDK.
export * from './job-status.js';
export * from './wire.js';
export * from './limits.js';
export * from './errors.js';
export * from './validate.js';
export * from './plain-object.js';
