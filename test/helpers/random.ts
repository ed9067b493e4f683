/** Deterministic randomness for tests and benchmarks: the same "random" input on every run, so a failure replays. */

export { prng } from '../../server/src/engine/prng';
