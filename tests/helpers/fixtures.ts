/** Loads the PyTorch reference values (../shared/reference/fixtures.json, made by generate.py). */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root; ../shared sits beside it on every dev and CI machine. */
export const repoRoot = resolve(here, '../..');
export const sharedDir = resolve(repoRoot, '../shared');
export const datasetsDir = resolve(sharedDir, 'datasets');

/** A large text dataset at `path`: SST-2's training phrases `times` over (≈ 3.8 MB each), LF line ends. */
export function writeRepeatedSst2(path: string, times: number): void {
  const rows = readFileSync(resolve(datasetsDir, 'sst2-train.tsv'), 'utf8').split(/\r?\n/).slice(1).filter(Boolean);
  const body = rows.join('\n');
  writeFileSync(path, `label\tsentence\n${Array.from({ length: times }, () => body).join('\n')}\n`);
}

export type Nested = number | Nested[];
type Params = Record<string, Nested>;

export interface Fixtures {
  param_counts: {
    explicit_shared_rnn_128_256: number;
    unshared_rnn_128_256_T100: number;
    torch_nn_rnn_128_256_two_biases: number;
    conv2d_3_16_k3: number;
    table_d256_n128: Record<string, { shared: number; unshared: number }>;
  };
  shared_rnn: {
    shapes: { batch: number; seq_len: number; input: number; hidden: number; classes: number };
    weights: Params;
    x: Nested;
    y: number[];
    hidden_states: Nested;
    logits: Nested;
    loss_mean_cross_entropy: number;
    grads: Params;
    grad_norms: Record<string, number>;
    dL_dh_norm_per_timestep: number[];
  };
  unshared_rnn_copied_weights: {
    loss_mean_cross_entropy: number;
    W_hh_grad_norm_per_timestep: number[];
    W_xh_grad_norm_per_timestep: number[];
    sum_of_W_hh_grads: Nested;
    parameter_count: number;
  };
  masked_batch: { lengths: number[]; logits: Nested; loss_mean_cross_entropy: number; grads: Params };
  torch_rnn: TorchCase;
  torch_gru: TorchCase;
  torch_lstm: TorchCase;
  gradient_flow: { params: Params; cases: { seq_len: number; x: Nested; grad_W_hh_norm: number; grad_W_ih_norm: number }[] };
  timestep_contributions: { params: Params; input_vectors: Nested; grad_W_hh_norm_by_t: number[] };
  position_features: {
    sinusoidal_max_len_50_dim_16: Nested;
    concatenated_seq_len_5: number[];
    cyclic_periods_24_7_365_t0_to_47: Nested;
  };
}

export interface TorchCase {
  params: Params;
  x: Nested;
  outputs: Nested;
  loss_half_sum_squares: number;
  grads: Params;
}

let cached: Fixtures | null = null;
export function loadFixtures(): Fixtures {
  cached ??= JSON.parse(readFileSync(resolve(sharedDir, 'reference/fixtures.json'), 'utf8')) as Fixtures;
  return cached;
}

export function flat(v: Nested): number[] {
  return Array.isArray(v) ? v.flatMap(flat) : [v];
}

export function shapeOf(v: Nested): number[] {
  return Array.isArray(v) ? [v.length, ...shapeOf(v[0])] : [];
}

/** A weight entry for SequenceModel.setWeights from a nested PyTorch array. */
export function weight(v: Nested): { shape: number[]; values: number[] } {
  return { shape: shapeOf(v), values: flat(v) };
}
