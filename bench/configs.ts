/** The standard bench configurations (DESIGN.md §7) and the models measured on each. */
import type { ModelConfigInput } from '../main/contract.js';

export const BENCH_CONFIGS = {
  A: { n: 32, d: 128, T: 50, B: 32 },
  B: { n: 128, d: 256, T: 100, B: 32 },
  // a large model, where a GPU's throughput outweighs its cost per kernel (bench --configs A,B,C)
  C: { n: 128, d: 1024, T: 100, B: 128 },
} as const;

/** What `bench` runs without --configs: the two. */
export const DEFAULT_BENCH_CONFIGS: (keyof typeof BENCH_CONFIGS)[] = ['A', 'B'];

/**
 * kernels: the engine paths measured; parallel: the data-parallel modes measured on top of the
 * fast kernels (2 threads on wasm/cpu; 'full' is reported per batch of B examples).
 */
export const BENCH_MODELS: Record<string, { config: Pick<ModelConfigInput, 'kind' | 'cell'>; kernels: ('fast' | 'autodiff')[]; parallel: ('split' | 'full')[]; wasmOnly?: true }> = {
  'shared tanh': { config: { kind: 'shared', cell: 'tanh' }, kernels: ['fast', 'autodiff'], parallel: ['split', 'full'] },
  'shared GRU': { config: { kind: 'shared', cell: 'gru' }, kernels: ['fast', 'autodiff'], parallel: ['split'] },
  'shared LSTM': { config: { kind: 'shared', cell: 'lstm' }, kernels: ['fast', 'autodiff'], parallel: ['split'] },
  'unshared tanh': { config: { kind: 'unshared', cell: 'tanh' }, kernels: ['fast', 'autodiff'], parallel: ['split'] },
  // autodiff runs these at well under a step a second at B: the fast kernels only, which exist
  // on wasm only (elsewhere 'fast' would be autodiff under another name)
  'unshared GRU': { config: { kind: 'unshared', cell: 'gru' }, kernels: ['fast'], parallel: [], wasmOnly: true },
  'unshared LSTM': { config: { kind: 'unshared', cell: 'lstm' }, kernels: ['fast'], parallel: [], wasmOnly: true },
};
