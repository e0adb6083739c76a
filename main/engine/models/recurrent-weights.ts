/**
 * One set of recurrent weights (W_xh, W_hh and bias(es)) in PyTorch's (out × in) layout.
 * The shared model holds one set; the unshared model holds one per position.
 */
import * as tf from '@tensorflow/tfjs';
import type { BiasStyle, InitStyle } from '../../contract.js';
import { initVariable, recurrentRules } from '../init.js';
import type { Rng } from '../random.js';

export interface RecurrentWeights {
  /** input → hidden, (gates·d × n) */
  W_xh: tf.Variable;
  /** hidden → hidden, (gates·d × d) */
  W_hh: tf.Variable;
  /** bias added to the input projection: the page's b_h, or PyTorch's b_ih */
  b_ih: tf.Variable;
  /** PyTorch's second bias b_hh, added to the recurrent projection (null for the page's single bias) */
  b_hh: tf.Variable | null;
}

export function createRecurrentWeights(
  gates: number,
  input: number,
  hidden: number,
  biases: BiasStyle,
  init: InitStyle,
  rng: Rng,
): RecurrentWeights {
  const rules = recurrentRules(init, hidden);
  const rows = gates * hidden;
  return {
    W_xh: initVariable([rows, input], rules.weight, rng),
    W_hh: initVariable([rows, hidden], rules.weight, rng),
    b_ih: initVariable([rows], rules.bias, rng),
    b_hh: biases === 'pytorch' ? initVariable([rows], rules.bias, rng) : null,
  };
}

/** Public names of a weight set: the page's b_h for a single bias, b_ih/b_hh for PyTorch's pair. */
export function namedWeights(w: RecurrentWeights, suffix = ''): [string, tf.Variable][] {
  const out: [string, tf.Variable][] = [
    [`W_xh${suffix}`, w.W_xh],
    [`W_hh${suffix}`, w.W_hh],
  ];
  if (w.b_hh) out.push([`b_ih${suffix}`, w.b_ih], [`b_hh${suffix}`, w.b_hh]);
  else out.push([`b_h${suffix}`, w.b_ih]);
  return out;
}

export function weightList(w: RecurrentWeights): tf.Variable[] {
  return w.b_hh ? [w.W_xh, w.W_hh, w.b_ih, w.b_hh] : [w.W_xh, w.W_hh, w.b_ih];
}

/** h W_hh^T (+ b_hh), given W_hh^T computed once per forward pass. */
export function hiddenProjection(h: tf.Tensor2D, W_hhT: tf.Tensor2D, b_hh: tf.Variable | null): tf.Tensor2D {
  const hp: tf.Tensor2D = tf.matMul(h, W_hhT);
  return b_hh ? tf.add<tf.Tensor2D>(hp, b_hh) : hp;
}
