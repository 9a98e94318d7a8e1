/** The guard's deterministic generators are the project's shared ones (services/common/prng.ts). */
export { gaussian, mulberry32 } from '../common/prng.js';
