/**
 * The unshared tanh, GRU and LSTM recurrences on wasm (a weight set per position t) with a
 * hand-written backward, on the SIMD gemm and the fused cell kernels (cells-wat.mjs). Gates and
 * biases follow PyTorch's nn.RNN / nn.GRU / nn.LSTM, as the shared kernels do; variable
 * lengths: carry-lengths.ts. Elsewhere unshared-tanh.ts (tfjs ops) or the model's autodiff
 * path runs. Checked against autodiff.
 *
 * Layouts, as for the unshared tanh kernel: the forward runs transposed (states d × B), so each
 * position's weights are the left operand of their products, read where they lie. There every
 * gate is a contiguous d × B block of the G × B pre-activations, so the cell kernels run over
 * it as one row of d·B values. The backward runs in plain layout (B × d), where every product
 * takes a position's weights as stored: ∂x_t = ∂xp_t·W_xh^(t), carry = ∂hp_t·W_hh^(t),
 * ∂W^(t) = ∂ᵀ·(x_t | h_{t−1}), ∂b^(t) = Σ_batch ∂, each written into its own gradient tensor.
 */
import * as tf from '@tensorflow/tfjs';
import { restoredInputs, savedInputs } from './saved-inputs.js';
import { transposeInner } from './transpose.js';
import { WasmDirect } from './wasm-direct.js';

export interface StepWeights {
  /** (G × n), G = gates·d */
  W_xh: tf.Tensor2D;
  /** (G × d) */
  W_hh: tf.Tensor2D;
  b_ih: tf.Tensor1D;
  /** PyTorch's second bias; null for a single bias */
  b_hh: tf.Tensor1D | null;
}

type Cell = 'tanh' | 'gru' | 'lstm';
/** what each cell's forward keeps for its backward, each T × d × B in the forward's layout */
const SAVED: Record<Cell, string[]> = { tanh: ['H'], lstm: ['H', 'C', 'SI', 'SF', 'TG', 'SO', 'TC'], gru: ['H', 'R', 'Z', 'N', 'HN'] };

/**
 * @param x time-major inputs (T × B × n)
 * @param inputGrad false when x is data: ∂L/∂x is then returned as zeros, not computed
 * @param probe zeros (T × B × d; see ForwardOptions.probe): its gradient is ∂L/∂h_t for every t
 * @returns all states, time-major (T × B × d); null where the wasm kernels are not available
 */
export function unsharedRecurrence(cell: Cell, x: tf.Tensor3D, steps: StepWeights[], inputGrad = true, probe?: tf.Tensor3D): tf.Tensor3D | null {
  if (!WasmDirect.current()) return null;
  const T = x.shape[0];
  const hasHiddenBias = steps[0].b_hh !== null;
  const perStep = hasHiddenBias ? 4 : 3;
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    // the probe, when there is one, is the last input: its gradient comes last
    if (probe) args.pop();
    const [xT, ...flat] = args as tf.Tensor[];
    const byStep = (ws: tf.Tensor[]) =>
      Array.from({ length: T }, (_, t) => {
        const [W_xh, W_hh, b_ih, b_hh] = ws.slice(perStep * t, perStep * (t + 1));
        return { W_xh, W_hh, b_ih, b_hh: hasHiddenBias ? b_hh : null } as StepWeights;
      });
    const w = byStep(flat);
    const direct = WasmDirect.current()!;
    const saved = cell === 'gru' ? forwardGru(direct, xT as tf.Tensor3D, w) : forwardSummedBias(cell, direct, xT as tf.Tensor3D, w);
    const H = transposeInner(saved[0] as tf.Tensor3D);
    save([xT, ...saved, ...savedInputs(flat)]);
    tf.dispose(saved);
    return {
      value: H,
      gradFunc: (dH: tf.Tensor3D, kept: tf.Tensor[]) => {
        const [xs, ...rest] = kept;
        const states = rest.splice(0, SAVED[cell].length) as tf.Tensor3D[];
        const sw = byStep(restoredInputs(flat, rest));
        // the saved activations back to plain layout (T × B × d), once for all T
        const plain = states.map(transposeInner);
        try {
          return backward(WasmDirect.current()!, cell, dH, plain, xs as tf.Tensor3D, sw, inputGrad, Boolean(probe));
        } finally {
          tf.dispose(plain);
        }
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...args: tf.Tensor[]) => tf.Tensor3D;
  return op(x, ...steps.flatMap((s) => (s.b_hh ? [s.W_xh, s.W_hh, s.b_ih, s.b_hh] : [s.W_xh, s.W_hh, s.b_ih])), ...(probe ? [probe] : []));
}

/** A bias per position repeated over the B columns, T × G × B, as one (T·G × 1)(1 × B) product. */
function columnsOf(biases: tf.Tensor1D[], B: number): tf.Tensor3D {
  const T = biases.length;
  const G = biases[0].shape[0];
  return tf.tidy(() => tf.reshape(tf.matMul(tf.reshape(tf.stack(biases), [T * G, 1]), tf.ones([1, B])), [T, G, B]));
}

/**
 * tanh and LSTM, whose biases simply add: per step preᵀ = W_xh^(t)·x_tᵀ + b^(t) + W_hh^(t)·h_{t−1}ᵀ
 * (2 products), then one tanhCell or lstmCell over the d·B grid.
 */
function forwardSummedBias(cell: 'tanh' | 'lstm', direct: WasmDirect, x: tf.Tensor3D, w: StepWeights[]): tf.Tensor3D[] {
  const [T, B, n] = x.shape;
  const G = w[0].W_hh.shape[0];
  const d = w[0].W_hh.shape[1];
  const db = d * B;
  const XT = transposeInner(x);
  const biasT = columnsOf(w.map((s) => (s.b_hh ? tf.add(s.b_ih, s.b_hh) : s.b_ih) as tf.Tensor1D), B);
  const out = SAVED[cell].map(() => direct.empty([T, d, B]) as tf.Tensor3D);
  const [H, C, SI, SF, TG, SO, TC] = out;
  const scratch = [direct.empty([G, B]), tf.zeros([d, B])];
  const [pre, zero] = scratch.map((t) => direct.id(t));
  const at = (s: tf.Tensor, t: number) => direct.view(s, t * db, db);
  try {
    for (let t = 0; t < T; t++) {
      direct.matMulAdd(direct.id(w[t].W_xh), G, n, direct.view(XT, t * n * B, n * B), B, direct.view(biasT, t * G * B, G * B), pre);
      if (t > 0) direct.matMulAdd(direct.id(w[t].W_hh), G, d, at(H, t - 1), B, pre, pre);
      if (cell === 'tanh') direct.cell('tanhCell', { z: pre, h: at(H, t) }, 1, db);
      else direct.cell('lstmCell', { pre, cPrev: t > 0 ? at(C, t - 1) : zero, c: at(C, t), h: at(H, t), si: at(SI, t), sf: at(SF, t), tg: at(TG, t), so: at(SO, t), tc: at(TC, t) }, 1, db);
    }
  } finally {
    direct.release();
    tf.dispose([XT, biasT, ...scratch]);
  }
  return out;
}

/** Per step: xpᵀ = W_xh^(t)·x_tᵀ + b_ih^(t), hpᵀ = W_hh^(t)·h_{t−1}ᵀ + b_hh^(t), then one gruCell over the d·B grid. */
function forwardGru(direct: WasmDirect, x: tf.Tensor3D, w: StepWeights[]): tf.Tensor3D[] {
  const [T, B, n] = x.shape;
  const G = w[0].W_hh.shape[0];
  const d = G / 3;
  const db = d * B;
  const XT = transposeInner(x);
  const inputBiasT = columnsOf(w.map((s) => s.b_ih), B);
  const hiddenBiasT = columnsOf(w.map((s) => s.b_hh ?? (tf.zeros([G]) as tf.Tensor1D)), B);
  const out = SAVED.gru.map(() => direct.empty([T, d, B]) as tf.Tensor3D);
  const [H, R, Z, N, HN] = out;
  const scratch = [direct.empty([G, B]), direct.empty([G, B]), tf.zeros([d, B])];
  const [xp, hp, zero] = scratch.map((t) => direct.id(t));
  const at = (s: tf.Tensor, t: number) => direct.view(s, t * db, db);
  try {
    for (let t = 0; t < T; t++) {
      const hPrev = t > 0 ? at(H, t - 1) : zero;
      direct.matMulAdd(direct.id(w[t].W_xh), G, n, direct.view(XT, t * n * B, n * B), B, direct.view(inputBiasT, t * G * B, G * B), xp);
      direct.matMulAdd(direct.id(w[t].W_hh), G, d, hPrev, B, direct.view(hiddenBiasT, t * G * B, G * B), hp);
      direct.cell('gruCell', { xp, hp, hPrev, h: at(H, t), r: at(R, t), z: at(Z, t), n: at(N, t), hnOut: at(HN, t) }, 1, db);
    }
  } finally {
    direct.release();
    tf.dispose([XT, inputBiasT, hiddenBiasT, ...scratch]);
  }
  return out;
}

/**
 * The backward in plain layout. `states` are the forward's saved tensors (SAVED order), T × B × d.
 * Returns ∂x, then per position ∂W_xh, ∂W_hh, ∂b_ih (, ∂b_hh): the inputs' order; with `total`,
 * last, ∂L/∂h_t (from outside plus the carry) for all T.
 */
function backward(direct: WasmDirect, cell: Cell, dH: tf.Tensor3D, states: tf.Tensor3D[], x: tf.Tensor3D, w: StepWeights[], inputGrad: boolean, total: boolean): tf.Tensor[] {
  const [T, B, d] = dH.shape;
  const n = x.shape[2];
  const G = w[0].W_hh.shape[0];
  const nd = B * d;
  const DX = direct.empty(inputGrad ? [T, B, n] : [0]);
  const dHTotal = total ? direct.empty([T, B, d]) : null;
  // ∂W_hh^(0) is zeros (h_{−1} = 0); every other gradient is written in full below
  const grads = w.map((s, t) => [direct.empty([G, n]), t > 0 ? direct.empty([G, d]) : tf.zeros([G, d]), direct.empty([G]), ...(s.b_hh ? [direct.empty([G])] : [])]);
  // gate gradients of one step: tanh and LSTM one B × G block (input and hidden side alike), GRU two
  const scratch = [direct.empty([B, G]), direct.empty([B, G]), direct.empty([B, d]), tf.zeros([B, d]), direct.empty([B, d]), tf.zeros([B, d])];
  const [dXp, dHp, carry, carryC, gz, zero] = scratch.map((t) => direct.id(t));
  const at = (s: tf.Tensor, t: number) => direct.view(s, t * nd, nd);
  // a position's weights as views: each is used once, packed per call rather than kept packed
  const weight = (s: tf.Tensor) => direct.view(s, 0, s.size);
  try {
    let carried = false;
    for (let t = T - 1; t >= 0; t--) {
      const hPrev = t > 0 ? at(states[0], t - 1) : zero;
      const carryIn = carried ? carry : zero;
      if (dHTotal) direct.cell('sum', { a: at(dH, t), b: carryIn, out: at(dHTotal, t) }, B, d);
      if (cell === 'tanh') direct.cell('tanhCellBackward', { dh: at(dH, t), carry: carryIn, h: at(states[0], t), dz: dXp }, B, d);
      else if (cell === 'lstm') {
        const [, C, SI, SF, TG, SO, TC] = states;
        direct.cell('lstmCellBackward', { dh: at(dH, t), carryH: carryIn, carryC, si: at(SI, t), sf: at(SF, t), tg: at(TG, t), so: at(SO, t), tc: at(TC, t), cPrev: t > 0 ? at(C, t - 1) : zero, dGates: dXp }, B, d);
      } else {
        const [, R, Z, N, HN] = states;
        direct.cell('gruCellBackward', { dh: at(dH, t), carry: carryIn, r: at(R, t), z: at(Z, t), n: at(N, t), hn: at(HN, t), hPrev, dXp, dHp, gz }, B, d);
      }
      // tanh and LSTM: the hidden side's (pre-activation) gradients are the input side's
      const dHidden = cell === 'gru' ? dHp : dXp;
      const ids = grads[t].map((g) => direct.id(g));
      const [gx, gh, gbi, gbh] = ids;
      // a gradient that has underflowed to exact zeros (tens of steps back with small
      // weights): this position's gradients are zeros, and so is the carry, without a product
      if (direct.isZero(dXp, B * G) && (cell !== 'gru' || (direct.isZero(dHp, B * G) && direct.isZero(gz, nd)))) {
        ids.forEach((id, k) => direct.fillZeros(id, grads[t][k].size));
        if (inputGrad) direct.fillZeros(direct.view(DX, t * B * n, B * n), B * n);
        carried = false;
        continue;
      }
      direct.matMulTransposedA(dXp, B, G, direct.view(x, t * B * n, B * n), n, gx);
      if (t > 0) direct.matMulTransposedA(dHidden, B, G, hPrev, d, gh);
      direct.columnSums(dXp, B, G, gbi);
      if (gbh !== undefined) direct.columnSums(dHidden, B, G, gbh);
      if (inputGrad) direct.matMul(dXp, B, G, weight(w[t].W_xh), n, direct.view(DX, t * B * n, B * n));
      if (t > 0) {
        if (cell === 'gru') direct.matMulAdd(dHidden, B, G, weight(w[t].W_hh), d, gz, carry);
        else direct.matMul(dHidden, B, G, weight(w[t].W_hh), d, carry);
      }
      carried = true;
    }
    return [inputGrad ? DX : tf.zerosLike(x), ...grads.flat(), ...(dHTotal ? [dHTotal] : [])];
  } finally {
    direct.release();
    tf.dispose(scratch);
  }
}
