/** Position features and parameter counts against the page and the PyTorch fixtures. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { modelParams, conv2dParams, paramTable, recurrentParams, unsharedParams } from '../../main/engine/params.js';
import { concatPositions, cyclicFeatures, PositionEncoder, sinusoidalTable } from '../../main/engine/position.js';
import { SequenceModel } from '../../main/engine/models/sequence-model.js';
import { createRng } from '../../main/engine/random.js';
import { ModelConfigSchema, type ModelConfigInput } from '../../main/contract.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backend.js';
import { expectClose } from '../helpers/close.js';
import { loadFixtures } from '../helpers/fixtures.js';

const fx = loadFixtures();
const P = fx.position_features;

describe('position features (plain math)', () => {
  it('sinusoidal table equals the page’s PositionAwareRNN buffer (50 × 16)', () => {
    expectClose(sinusoidalTable(50, 16), P.sinusoidal_max_len_50_dim_16, undefined, 'PE');
  });
  it('concatenated t/T for T = 5', () => {
    expectClose(concatPositions(5), P.concatenated_seq_len_5);
  });
  it('cyclic sin/cos for periods 24, 7, 365 at t = 0…47', () => {
    expectClose(cyclicFeatures(Array.from({ length: 48 }, (_, t) => t), [24, 7, 365]).flat(), P.cyclic_periods_24_7_365_t0_to_47);
  });
  it('sinusoidal works past any table length (no cap): T = 5000', () => {
    const pe = sinusoidalTable(5000, 16);
    expect(pe[4999 * 16]).toBeCloseTo(Math.sin(4999), 5);
  });
});

describe.each(TEST_BACKENDS)('position encoder on %s', (backend) => {
  useBackend(backend);
  it('applies each kind with the right width and values', () => {
    const x = tf.zeros([2, 5, 16]) as tf.Tensor3D;
    const enc = (c: ConstructorParameters<typeof PositionEncoder>[0]) => new PositionEncoder(c, 16, createRng(0));
    const sin = enc({ type: 'sinusoidal' }).apply(x);
    expectClose(sin.slice([1, 0, 0], [1, 5, 16]).dataSync(), (P.sinusoidal_max_len_50_dim_16 as number[][]).slice(0, 5), undefined, 'x+PE');
    const cat = enc({ type: 'concat' }).apply(x);
    expect(cat.shape).toEqual([2, 5, 17]);
    expectClose(cat.slice([0, 0, 16], [1, 5, 1]).dataSync(), P.concatenated_seq_len_5);
    const cyc = enc({ type: 'cyclic', periods: [24, 7, 365] }).apply(x);
    expect(cyc.shape).toEqual([2, 5, 22]);
    expectClose(cyc.slice([0, 0, 16], [1, 5, 6]).dataSync(), (P.cyclic_periods_24_7_365_t0_to_47 as number[][]).slice(0, 5));
    const learned = enc({ type: 'learned', maxLen: 4 });
    expect(() => learned.apply(x)).toThrow(/exceeds the learned position table \(max 4\).*positions 5–5/);
    tf.dispose([x, sin, cat, cyc]);
    learned.dispose();
  });
});

describe('parameter counts', () => {
  const C = fx.param_counts;
  it('reproduces the page’s table for n = 128, d = 256', () => {
    const table = paramTable(128, 256, [10, 100, 1000]);
    for (const row of table.rows) {
      expect(row.shared).toBe(C.table_d256_n128[String(row.length)].shared);
      expect(row.unshared).toBe(C.table_d256_n128[String(row.length)].unshared);
      expect(row.ratio).toBe(row.length);
    }
    expect(table.rows.map((r) => r.unshared)).toEqual([985_600, 9_856_000, 98_560_000]);
    expect(table.torchTwoBiases).toBe(C.torch_nn_rnn_128_256_two_biases);
  });
  it('quoted counts: shared 98,560, unshared T=100 9,856,000, nn.RNN 98,816, Conv2d(3,16,3) 448', () => {
    expect(recurrentParams('tanh', 128, 256)).toBe(C.explicit_shared_rnn_128_256);
    expect(unsharedParams('tanh', 128, 256, 100)).toBe(C.unshared_rnn_128_256_T100);
    expect(recurrentParams('tanh', 128, 256, 'pytorch')).toBe(C.torch_nn_rnn_128_256_two_biases);
    expect(conv2dParams(3, 16, 3)).toBe(C.conv2d_3_16_k3);
  });
  it('gated cells: GRU 3×, LSTM 4× (nn.GRU(128,256) = 296,448; nn.LSTM = 395,264)', () => {
    expect(recurrentParams('gru', 128, 256, 'pytorch')).toBe(296_448);
    expect(recurrentParams('lstm', 128, 256, 'pytorch')).toBe(395_264);
  });
});

describe.each(TEST_BACKENDS)('closed form equals the tensors, every model kind, on %s', (backend) => {
  useBackend(backend);
  const configs: ModelConfigInput[] = [];
  for (const kind of ['shared', 'unshared', 'conv'] as const) {
    for (const cell of ['tanh', 'gru', 'lstm'] as const) {
      for (const biases of ['single', 'pytorch'] as const) {
        configs.push({ kind, cell, biases, hidden: 6, maxLen: 7, kernel: 3, input: { type: 'features', size: 5 }, head: { type: 'classify', classes: 3 } });
      }
    }
  }
  configs.push(
    { kind: 'shared', hidden: 8, input: { type: 'embedding', vocab: 50, embed: 4 }, position: { type: 'learned', maxLen: 20 }, head: { type: 'regress', outputs: 2 } },
    { kind: 'shared', hidden: 8, input: { type: 'features', size: 1 }, position: { type: 'cyclic', periods: [12, 365] }, head: { type: 'regress', outputs: 1 } },
    { kind: 'unshared', hidden: 8, maxLen: 9, input: { type: 'features', size: 3 }, position: { type: 'concat' }, head: { type: 'classify', classes: 2 } },
  );
  it.each(configs.map((c) => [`${c.kind}/${c.cell ?? 'tanh'}/${c.biases ?? 'single'}/${c.input.type}/${c.position?.type ?? 'none'}`, c]))('%s', (_n, config) => {
    const model = new SequenceModel(config);
    expect(model.tensorParamCount()).toBe(model.paramCount());
    expect(model.paramCount()).toBe(modelParams(ModelConfigSchema.parse(config)));
    model.dispose();
  });
});
