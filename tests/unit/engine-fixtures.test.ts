/**
 * The engine against PyTorch (../shared/reference/fixtures.json; generate.py says how each
 * case was made), on every backend that is always installed. Tolerance: float32.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { CellKind } from '../../main/contract.js';
import { disposeBatch, tensorBatch } from '../../main/engine/batch.js';
import { SharedRNN } from '../../main/engine/models/shared-rnn.js';
import { SequenceModel } from '../../main/engine/models/sequence-model.js';
import { timestepGradNorms } from '../../main/engine/probes.js';
import { createRng } from '../../main/engine/random.js';
import { computeGradients, gradientNorms } from '../../main/engine/train.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backend.js';
import { expectClose } from '../helpers/close.js';
import { flat, loadFixtures, shapeOf, weight, type Nested, type TorchCase } from '../helpers/fixtures.js';

type Kernels = 'fast' | 'autodiff';
const fx = loadFixtures();
const S = fx.shared_rnn;

/** The page's shared tanh RNN (one bias) with a 2-class readout, loaded with the fixture's weights. */
function pageModel(kind: 'shared' | 'unshared', kernels: Kernels): SequenceModel {
  const model = new SequenceModel({
    kind,
    kernels,
    cell: 'tanh',
    biases: 'single',
    hidden: S.shapes.hidden,
    input: { type: 'features', size: S.shapes.input },
    head: { type: 'classify', classes: S.shapes.classes },
    maxLen: S.shapes.seq_len,
  });
  const w = S.weights;
  const head = { W_out: weight(w.W_out), b_out: weight(w.b_out) };
  if (kind === 'shared') {
    model.setWeights({ W_xh: weight(w.W_xh), W_hh: weight(w.W_hh), b_h: weight(w.b_h), ...head });
  } else {
    const perStep = Array.from({ length: S.shapes.seq_len }, (_, t) => [
      [`W_xh@${t}`, weight(w.W_xh)],
      [`W_hh@${t}`, weight(w.W_hh)],
      [`b_h@${t}`, weight(w.b_h)],
    ]).flat() as [string, ReturnType<typeof weight>][];
    model.setWeights({ ...Object.fromEntries(perStep), ...head });
  }
  return model;
}

function pageBatch(lengths = [10, 10, 10]) {
  return tensorBatch({ x: S.x as number[][][], lengths, y: S.y });
}

/** nn.RNN / nn.GRU / nn.LSTM parameters by PyTorch name → our core. */
function torchCore(kind: CellKind, c: TorchCase, kernels: Kernels): SharedRNN {
  const [rows, input] = shapeOf(c.params.weight_ih_l0);
  const gates = { tanh: 1, gru: 3, lstm: 4 }[kind];
  const core = new SharedRNN({ cell: kind, input, hidden: rows / gates, biases: 'pytorch', init: 'pytorch', kernels }, createRng(1));
  const w = core.weights;
  const pairs: [tf.Variable, Nested][] = [
    [w.W_xh, c.params.weight_ih_l0],
    [w.W_hh, c.params.weight_hh_l0],
    [w.b_ih, c.params.bias_ih_l0],
    [w.b_hh!, c.params.bias_hh_l0],
  ];
  for (const [v, value] of pairs) v.assign(tf.tensor(flat(value), v.shape));
  return core;
}

/** Gradients of f w.r.t. the core's W_xh, W_hh, b_ih, b_hh (PyTorch order). */
function coreGrads(core: SharedRNN, f: () => tf.Scalar): { loss: number; grads: Float32Array[] } {
  const w = core.weights;
  const vars = [w.W_xh, w.W_hh, w.b_ih, w.b_hh!];
  const { value, grads } = tf.variableGrads(f, vars);
  const out = { loss: value.dataSync()[0], grads: vars.map((v) => grads[v.name].dataSync() as Float32Array) };
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

// every case on both backends, through the hand-written kernels and through autodiff
const CASES = TEST_BACKENDS.flatMap((b) => (['fast', 'autodiff'] as Kernels[]).map((k) => [b, k] as const));

describe.each(CASES)('engine vs PyTorch on %s, %s kernels', (backend, kernels) => {
  useBackend(backend);

  it('shared RNN: hidden states, logits, loss, gradients, grad norms, dL/dh_t', () => {
    const model = pageModel('shared', kernels);
    const batch = pageBatch();
    const { states, output } = model.forward(batch);
    expectClose(states.dataSync(), S.hidden_states, undefined, 'hidden_states');
    // the inference path slices steps another way (gather, not unstack): same numbers
    const inference = tf.tidy(() => model.forward(batch, { inference: true }).states.dataSync());
    expectClose(inference, S.hidden_states, undefined, 'hidden_states (inference)');
    expectClose(output.dataSync(), S.logits, undefined, 'logits');
    const { loss, grads } = computeGradients(model, batch);
    expectClose(loss.dataSync()[0], S.loss_mean_cross_entropy, undefined, 'loss');
    const pytorchName: Record<string, string> = { W_xh: 'W_xh', W_hh: 'W_hh', b_h: 'b_h', W_out: 'W_out', b_out: 'b_out' };
    for (const [ours, theirs] of Object.entries(pytorchName)) {
      expectClose(grads.get(ours)!.dataSync(), S.grads[theirs], undefined, `grad ${ours}`);
    }
    const norms = gradientNorms(grads);
    for (const [name, value] of Object.entries(S.grad_norms)) expectClose(norms[name], value, undefined, `‖grad ${name}‖`);
    expectClose(timestepGradNorms(model, batch), S.dL_dh_norm_per_timestep, undefined, 'dL/dh_t');
    tf.dispose([states, output, loss, ...grads.values()]);
    disposeBatch(batch);
    model.dispose();
  });

  it('unshared RNN with copied weights: same loss, per-step gradients sum to the shared gradient', () => {
    const U = fx.unshared_rnn_copied_weights;
    const model = pageModel('unshared', kernels);
    const batch = pageBatch();
    const { loss, grads } = computeGradients(model, batch);
    expectClose(loss.dataSync()[0], U.loss_mean_cross_entropy, undefined, 'loss');
    const norms = gradientNorms(grads);
    const T = S.shapes.seq_len;
    const steps = Array.from({ length: T }, (_, t) => t);
    expectClose(steps.map((t) => norms[`W_hh@${t}`]), U.W_hh_grad_norm_per_timestep, undefined, '‖grad W_hh^(t)‖');
    expectClose(steps.map((t) => norms[`W_xh@${t}`]), U.W_xh_grad_norm_per_timestep, undefined, '‖grad W_xh^(t)‖');
    const sum = tf.addN(steps.map((t) => grads.get(`W_hh@${t}`)!));
    expectClose(sum.dataSync(), U.sum_of_W_hh_grads, undefined, 'Σ_t grad W_hh^(t)');
    // …and that sum is exactly the shared model's W_hh gradient (the page's aggregation formula)
    expectClose(sum.dataSync(), S.grads.W_hh, undefined, 'Σ_t grad W_hh^(t) vs shared');
    expect(model.paramCount()).toBe(U.parameter_count);
    expect(model.tensorParamCount()).toBe(U.parameter_count);
    tf.dispose([loss, sum, ...grads.values()]);
    disposeBatch(batch);
    model.dispose();
  });

  it('masked batch: padded steps carry the state; logits, loss and gradients match', () => {
    const M = fx.masked_batch;
    const model = pageModel('shared', kernels);
    const batch = pageBatch(M.lengths);
    const { output } = model.forward(batch);
    expectClose(output.dataSync(), M.logits, undefined, 'logits');
    const inference = tf.tidy(() => model.forward(batch, { inference: true }).output.dataSync());
    expectClose(inference, M.logits, undefined, 'logits (inference, masked)');
    const { loss, grads } = computeGradients(model, batch);
    expectClose(loss.dataSync()[0], M.loss_mean_cross_entropy, undefined, 'loss');
    for (const name of ['W_xh', 'W_hh', 'b_h', 'W_out', 'b_out']) {
      expectClose(grads.get(name)!.dataSync(), M.grads[name], undefined, `grad ${name}`);
    }
    tf.dispose([output, loss, ...grads.values()]);
    disposeBatch(batch);
    model.dispose();
  });

  it.each([
    ['tanh', 'torch_rnn'],
    ['gru', 'torch_gru'],
    ['lstm', 'torch_lstm'],
  ] as const)('%s cell matches %s (gate layout, both biases): outputs, loss, gradients', (kind, key) => {
    const c = fx[key];
    const core = torchCore(kind, c, kernels);
    const x = tf.tensor3d(c.x as number[][][]);
    const out = core.forward(x);
    expectClose(out.dataSync(), c.outputs, undefined, 'outputs');
    const { loss, grads } = coreGrads(core, () => tf.div(tf.sum(tf.square(core.forward(x))), 2) as tf.Scalar);
    expectClose(loss, c.loss_half_sum_squares, undefined, 'loss');
    ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0'].forEach((name, i) =>
      expectClose(grads[i], c.grads[name], undefined, `grad ${name}`),
    );
    tf.dispose([x, out]);
    core.dispose();
  });

  it("gradient flow (the page's analyze_gradient_flow): ‖∇W_hh‖ and ‖∇W_ih‖ at T = 10, 50, 100, 200", () => {
    const G = fx.gradient_flow;
    const core = torchCore('tanh', { ...G, x: [], outputs: [], loss_half_sum_squares: 0, grads: {} }, kernels);
    for (const c of G.cases) {
      const x = tf.tensor3d(c.x as number[][][]);
      const { grads } = coreGrads(core, () => tf.sum(core.forward(x)) as tf.Scalar);
      const norm = (g: Float32Array) => Math.hypot(...g);
      expectClose(norm(grads[1]), c.grad_W_hh_norm, undefined, `‖∇W_hh‖ T=${c.seq_len}`);
      expectClose(norm(grads[0]), c.grad_W_ih_norm, undefined, `‖∇W_ih‖ T=${c.seq_len}`);
      x.dispose();
    }
    core.dispose();
  });

  it("timestep contributions (the page's visualize_timestep_contributions)", () => {
    const C = fx.timestep_contributions;
    const core = torchCore('tanh', { ...C, x: [], outputs: [], loss_half_sum_squares: 0, grads: {} }, kernels);
    const vecs = C.input_vectors as number[][];
    const T = vecs.length;
    const norms = vecs.map((v, t) => {
      const x = tf.tensor3d([Array.from({ length: T }, (_, s) => (s === t ? v : v.map(() => 0)))]);
      const { grads } = coreGrads(core, () => {
        const states = core.forward(x);
        return tf.sum(tf.slice(states, [0, T - 1, 0], [1, 1, -1])) as tf.Scalar;
      });
      x.dispose();
      return Math.hypot(...grads[1]);
    });
    expectClose(norms, C.grad_W_hh_norm_by_t, undefined, '‖∇W_hh‖ by t');
    core.dispose();
  });
});
