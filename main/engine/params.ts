/**
 * Parameter counts, in closed form and from the tensors themselves (the two must agree; a
 * test checks it for every model kind). The closed forms are the page's formulas:
 * shared d(d+n+1); unshared T·d(d+n+1); gated cells multiply by their gate count.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BiasStyle, CellKind, ModelConfig, ParamTable } from '../contract.js';
import { CELLS } from './cells/index.js';

/** W_xh, W_hh and the bias(es) of one recurrent layer: gates·d·(n + d + biases). */
export function recurrentParams(cell: CellKind, input: number, hidden: number, biases: BiasStyle = 'single'): number {
  const biasCount = biases === 'pytorch' ? 2 : 1;
  return CELLS[cell].gates * hidden * (input + hidden + biasCount);
}

/** The unshared model: one full set of recurrent weights per position < maxLen. */
export function unsharedParams(cell: CellKind, input: number, hidden: number, maxLen: number, biases: BiasStyle = 'single'): number {
  return maxLen * recurrentParams(cell, input, hidden, biases);
}

/** 1-D convolution over time: kernel·n·d weights + d biases, the same at every position. */
export function conv1dParams(input: number, channels: number, kernel: number): number {
  return kernel * input * channels + channels;
}

/** nn.Conv2d(cin, cout, k): cin·cout·k² + cout (448 for the page's Conv2d(3, 16, 3)). */
export function conv2dParams(inChannels: number, outChannels: number, kernel: number): number {
  return inChannels * outChannels * kernel * kernel + outChannels;
}

/** Width of the vector each step feeds the recurrent core: input (or embedding) plus position features. */
export function coreInputWidth(config: Pick<ModelConfig, 'input' | 'position'>): number {
  const base = config.input.type === 'embedding' ? config.input.embed : config.input.size;
  switch (config.position.type) {
    case 'concat':
      return base + 1;
    case 'cyclic':
      return base + 2 * config.position.periods.length;
    default:
      return base;
  }
}

/** Every parameter of a full model (embedding, position table, core, head), in closed form. */
export function modelParams(config: ModelConfig): number {
  const n = coreInputWidth(config);
  const d = config.hidden;
  let total = 0;
  if (config.input.type === 'embedding') total += config.input.vocab * config.input.embed;
  if (config.position.type === 'learned') {
    total += config.position.maxLen * (config.input.type === 'embedding' ? config.input.embed : config.input.size);
  }
  if (config.kind === 'shared') total += recurrentParams(config.cell, n, d, config.biases);
  else if (config.kind === 'unshared') total += unsharedParams(config.cell, n, d, config.maxLen, config.biases);
  else total += conv1dParams(n, d, config.kernel);
  const outputs = config.head.type === 'classify' ? config.head.classes : config.head.outputs;
  total += outputs * d + outputs;
  return total;
}

/** Count from the tensors a model really holds. */
export function countTensors(vars: Iterable<tf.Variable>): number {
  let total = 0;
  for (const v of vars) total += v.size;
  return total;
}

/** The page's table: shared vs unshared recurrent parameters for each maximum length. */
export function paramTable(input: number, hidden: number, lengths: number[], cell: CellKind = 'tanh'): ParamTable {
  const shared = recurrentParams(cell, input, hidden);
  const gates = CELLS[cell].gates;
  const g = gates === 1 ? '' : `${gates}·`;
  return {
    input,
    hidden,
    cell,
    rows: lengths.map((length) => {
      const unshared = unsharedParams(cell, input, hidden, length);
      return { length, shared, unshared, ratio: unshared / shared };
    }),
    torchTwoBiases: recurrentParams(cell, input, hidden, 'pytorch'),
    formula: { shared: `${g}d(d+n+1)`, unshared: `T × ${g}d(d+n+1)` },
  };
}
