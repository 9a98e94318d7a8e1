/** Pure logic of the drift service: reference profiles, window state and verdicts, the report schema. */
export * from './compare.js';
export * from './profile.js';
export * from './profile-cache.js';
export * from './report.js';
export * from './reservoir.js';
export * from './window-state.js';
