/**
 * Weight initialisation from the seeded JS generator, so a seed means the same weights on
 * every backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { InitStyle } from '../contract.js';
import type { Rng } from './random.js';

export type InitRule =
  /** N(0,1)·scale */
  | { kind: 'normal'; scale: number }
  /** U(−bound, bound) */
  | { kind: 'uniform'; bound: number }
  | { kind: 'zeros' };

export function fillRule(size: number, rule: InitRule, rng: Rng): Float32Array {
  const out = new Float32Array(size);
  if (rule.kind === 'zeros') return out;
  for (let i = 0; i < size; i++) {
    out[i] = rule.kind === 'normal' ? rng.normal() * rule.scale : (rng.uniform() * 2 - 1) * rule.bound;
  }
  return out;
}

export function initVariable(shape: number[], rule: InitRule, rng: Rng): tf.Variable {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tidy(() => tf.variable(tf.tensor(fillRule(size, rule, rng), shape)));
}

/**
 * Rules for a recurrent layer's weights and biases of hidden width d.
 * page: W ~ randn·0.01, b = 0 (the page's ExplicitWeightSharingRNN);
 * pytorch: everything ~ U(±1/√d) (nn.RNN / nn.GRU / nn.LSTM).
 */
export function recurrentRules(style: InitStyle, hidden: number): { weight: InitRule; bias: InitRule } {
  if (style === 'page') return { weight: { kind: 'normal', scale: 0.01 }, bias: { kind: 'zeros' } };
  const bound = 1 / Math.sqrt(hidden);
  return { weight: { kind: 'uniform', bound }, bias: { kind: 'uniform', bound } };
}

/** nn.Linear / nn.Conv default: U(±1/√fan_in) for weight and bias. */
export function fanInRule(fanIn: number): InitRule {
  return { kind: 'uniform', bound: 1 / Math.sqrt(fanIn) };
}
