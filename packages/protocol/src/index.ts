export * from './entities.js';
export * from './envelopes.js';
export * from './errors.js';
export * from './events.js';
export * from './http.js';
export * from './limits.js';
export * from './ops.js';
export * from './permissions.js';
