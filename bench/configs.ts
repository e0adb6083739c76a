/** The standard bench configurations (DESIGN.md §7) and the models measured on each. */
import type { ModelConfigInput } from '../main/contract.js';

export const BENCH_CONFIGS = {
  A: { n: 32, d: 128, T: 50, B: 32 },
  B: { n: 128, d: 256, T: 100, B: 32 },
} as const;

export const BENCH_MODELS: Record<string, { config: Pick<ModelConfigInput, 'kind' | 'cell'>; kernels: ('fast' | 'autodiff')[] }> = {
  'shared tanh': { config: { kind: 'shared', cell: 'tanh' }, kernels: ['fast', 'autodiff'] },
  'shared GRU': { config: { kind: 'shared', cell: 'gru' }, kernels: ['fast', 'autodiff'] },
  'shared LSTM': { config: { kind: 'shared', cell: 'lstm' }, kernels: ['fast', 'autodiff'] },
  'unshared tanh': { config: { kind: 'unshared', cell: 'tanh' }, kernels: ['fast', 'autodiff'] },
};
