/**
 * Adam as one pass over each parameter. tf.train.adam runs ~10 tensor ops per parameter, and
 * each op costs its dispatch: on wasm, for an unshared model with 150 parameter tensors, that was
 * 20 ms a step, more than the forward pass. Here: on wasm one SIMD kernel call per parameter, in
 * place in tfjs's memory (simd/); on webgpu two programs (kernels/webgpu-adam.ts); on cpu one JS
 * loop over copies. Same rule, same defaults, and the
 * same getWeights/setWeights layout as tf.train.adam ([iter, m…, v…]), so checkpoints move
 * between the two (a run saved on a GPU machine resumes here and back). The SIMD kernel flushes
 * gradient terms that would be subnormal to zero (kernels.wat: wasm cannot set FTZ), and every
 * `flushEvery` steps it clears moments under 2^−100 (see there), so it differs from the JS loop
 * and tf.train.adam only in moments under ≈ 7.9e−31.
 */
import * as tf from '@tensorflow/tfjs';
import { adamMoments, adamOnWebgpu } from './kernels/webgpu-adam.js';
import { SimdKernels } from './simd/simd-kernels.js';

/**
 * Moments under 2^MOMENT_FLUSH_EXPONENT are cleared (flushEvery): the level the cell kernels
 * flush their values at (scripts/cells-wat.mjs FLUSH_BELOW), 26 binary orders above the
 * subnormals (2^−126).
 */
const MOMENT_FLUSH_EXPONENT = -100;
const SUBNORMAL_EXPONENT = -126;

/** tf.NamedTensor is not re-exported by @tensorflow/tfjs */
type NamedTensor = { name: string; tensor: tf.Tensor };

/**
 * moments in JS arrays (JS path), in tensors updated in place by the SIMD kernel, or on webgpu
 * in one tensor (m then v) its programs update in place; `zero`: both are all zeros (no nonzero
 * gradient has reached them yet, or a flush cleared what was left)
 */
type Slot = { shape: number[]; zero: boolean } & ({ m: Float32Array; v: Float32Array } | { m: tf.Tensor; v: tf.Tensor } | { mv: tf.Tensor });

/** Where a slot's moments live: see Slot. */
type Keeping = 'arrays' | 'simd' | 'gpu';

function keeping(simd: SimdKernels | null): Keeping {
  return simd ? 'simd' : tf.getBackend() === 'webgpu' ? 'gpu' : 'arrays';
}

export class FusedAdam extends tf.Optimizer {
  static get className(): string {
    // the name tf.train.adam serialises under: a saved config loads into either
    return 'Adam';
  }

  /**
   * tf.Optimizer answers `instanceof` by duck typing, so that every optimizer would pass
   * `x instanceof FusedAdam` (and get the extra arguments of applyGradients that only this one
   * reads); here it is the prototype chain, as for any class.
   */
  static [Symbol.hasInstance](x: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, x);
  }

  /** moments by position in the gradient list (applyStep passes every parameter, in a fixed order) */
  private slots: Slot[] = [];
  private names: string[] = [];
  /** tensors handed out by getWeights, owned here (disposed on the next call or dispose) */
  private lent: tf.Tensor[] = [];
  /**
   * Steps between two passes that clear moments under 2^−100 (the SIMD path). A moment decays
   * by β each step its gradient is 0, and on its way to 0 it would spend hundreds of steps
   * subnormal (m: ≈ 150 at β1 = 0.9), where every multiply is slow: the pass ran 3× slower on
   * this AMD EPYC and 24× on an Intel Xeon, which assists each one in microcode. An unshared
   * tanh (bench A) moved from length-50 to length-10 batches went from 4.1 to 34 ms a step
   * there, 500 steps later, for good; with the flush it stays at 4.1. From 2^−100, the next
   * flushEvery steps cannot reach 2^−126: β^flushEvery ≥ 2^−26 (171 steps at β = 0.9).
   */
  readonly flushEvery: number;

  constructor(
    readonly learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = tf.backend().epsilon(),
  ) {
    super();
    const decay = -Math.log(Math.min(beta1, beta2));
    const margin = (MOMENT_FLUSH_EXPONENT - SUBNORMAL_EXPONENT) * Math.LN2;
    this.flushEvery = Math.max(1, Math.min(10_000, Math.floor(margin / decay)));
  }

  /**
   * @param zeroGradients names whose gradient is known to be all zeros (applyStep has their
   *   norms): where the moments are still all zeros too, the step is m = v = 0 and w unchanged,
   *   exactly, so no pass runs. An unshared model's positions past the batch's lengths, or
   *   where the gradient has underflowed, are such (bench B: about 45 % of the weights).
   * @param scale what every gradient is multiplied by first (a clip by global norm), inside
   *   the pass: no scaled copy of each gradient (≈ 1.4 ms a step for an unshared model at bench A)
   */
  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[], zeroGradients?: ReadonlySet<string>, scale = 1): void {
    const list = Array.isArray(variableGradients) ? variableGradients : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    this.incrementIterations();
    const { beta1: b1, beta2: b2, epsilon: eps, learningRate: lr } = this;
    // bias corrections folded into two constants: w −= lr·(m/c1) / (ε + √(v/c2))
    const stepSize = lr / (1 - b1 ** this.iterations);
    const rootC2 = Math.sqrt(1 - b2 ** this.iterations);
    const simd = SimdKernels.current();
    list.forEach(({ name, tensor: grad }, i) => {
      const variable = tf.engine().registeredVariables[name];
      if (!variable) throw new Error(`FusedAdam: no variable named ${name}`);
      this.names[i] = name;
      const slot = (this.slots[i] ??= this.emptySlot(variable.shape, keeping(simd)));
      if (slot.zero && zeroGradients?.has(name)) return;
      slot.zero = false;
      if ('mv' in slot) {
        if (slot.mv.size !== 2 * grad.size) throw new Error(`FusedAdam: parameter ${i} (${name}) changed size`);
        const out = adamOnWebgpu(grad, variable, slot.mv, { b1, b2, eps, step: stepSize, k: 1 / rootC2, scale });
        variable.assign(out);
        out.dispose();
        return;
      }
      if (slot.m instanceof tf.Tensor && simd) {
        if (slot.m.size !== grad.size) throw new Error(`FusedAdam: parameter ${i} (${name}) changed size`);
        const c = { b1, b2, eps, step: stepSize, k: 1 / rootC2, scale };
        // In place where nothing shares the variable's memory (every step after the first): a
        // fresh output each step is new memory, cold in cache, for this pass to write and the
        // next forward to read: unshared tanh at bench A, 200 tensors, 8.1 → 7.1 ms a step.
        if (simd.writableInPlace(variable)) {
          simd.adam(grad, variable, slot.m, slot.v as tf.Tensor, variable, c);
          return;
        }
        // written in full by the kernel: no zero fill first
        const out = simd.empty(variable.shape);
        simd.adam(grad, variable, slot.m, slot.v as tf.Tensor, out, c);
        variable.assign(out);
        out.dispose();
        return;
      }
      const [m, v] = this.arrays(i);
      const g = grad.dataSync() as Float32Array;
      const w = variable.dataSync() as Float32Array;
      if (m.length !== g.length) throw new Error(`FusedAdam: parameter ${i} (${name}) changed size`);
      const out = new Float32Array(g.length);
      for (let k = 0; k < g.length; k++) {
        const gk = g[k] * scale;
        const mk = b1 * m[k] + (1 - b1) * gk;
        const vk = b2 * v[k] + (1 - b2) * gk * gk;
        m[k] = mk;
        v[k] = vk;
        out[k] = w[k] - (stepSize * mk) / (eps + Math.sqrt(vk) / rootC2);
      }
      tf.tidy(() => variable.assign(tf.tensor(out, variable.shape)));
    });
    if (simd && this.iterations % this.flushEvery === 0) this.flushMoments(simd);
  }

  /** Clears moments under 2^−100 (see flushEvery); a slot left all zeros counts as zero again. */
  private flushMoments(simd: SimdKernels): void {
    for (const slot of this.slots) {
      if (slot.zero || 'mv' in slot || !(slot.m instanceof tf.Tensor)) continue;
      const mLeft = simd.flushBelow(slot.m, MOMENT_FLUSH_EXPONENT);
      const vLeft = simd.flushBelow(slot.v as tf.Tensor, MOMENT_FLUSH_EXPONENT);
      slot.zero = !mLeft && !vLeft;
    }
  }

  private emptySlot(shape: number[], where: Keeping): Slot {
    const size = shape.reduce((a, b) => a * b, 1);
    if (where === 'gpu') return { shape: shape.slice(), zero: true, mv: tf.keep(adamMoments(size)) };
    return where === 'simd' ? { shape: shape.slice(), zero: true, m: tf.keep(tf.zeros(shape)), v: tf.keep(tf.zeros(shape)) } : { shape: shape.slice(), zero: true, m: new Float32Array(size), v: new Float32Array(size) };
  }

  /** The JS path's moments of slot i (moved out of tensors if the backend changed under them). */
  private arrays(i: number): [Float32Array, Float32Array] {
    const slot = this.slots[i];
    if ('mv' in slot) throw new Error(`FusedAdam: the moments are on webgpu, and the step runs on ${tf.getBackend()}`);
    if (slot.m instanceof tf.Tensor) {
      const moved = { shape: slot.shape, zero: slot.zero, m: slot.m.dataSync().slice() as Float32Array, v: (slot.v as tf.Tensor).dataSync().slice() as Float32Array };
      tf.dispose([slot.m, slot.v as tf.Tensor]);
      this.slots[i] = moved;
    }
    const s = this.slots[i] as { m: Float32Array; v: Float32Array };
    return [s.m, s.v];
  }

  override async getWeights(): Promise<NamedTensor[]> {
    tf.dispose(this.lent);
    // copies: the kernels and programs update moments in place, and the cpu backend would keep the array itself
    const copy = (s: Slot, second: 0 | 1): tf.Tensor => {
      if ('mv' in s) return tf.tidy(() => tf.reshape(tf.slice(s.mv, second * (s.mv.size / 2), s.mv.size / 2), s.shape));
      const x = second ? s.v : s.m;
      return tf.tensor(x instanceof tf.Tensor ? (x.dataSync() as Float32Array).slice() : x.slice(), s.shape);
    };
    const moments = (second: 0 | 1, suffix: string) => this.slots.map((s, i) => ({ name: `${this.names[i]}/${suffix}`, tensor: copy(s, second) }));
    const out = [{ name: 'iter', tensor: tf.scalar(this.iterations, 'int32') as tf.Tensor }, ...moments(0, 'm'), ...moments(1, 'v')];
    this.lent = out.map((w) => w.tensor);
    return out;
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    if (rest.length % 2) throw new Error(`FusedAdam: expected first and second moments in pairs, got ${rest.length} tensors`);
    const half = rest.length / 2;
    this.disposeSlots();
    const where = keeping(SimdKernels.current());
    this.slots = rest.slice(0, half).map((w, i): Slot => {
      const shape = w.tensor.shape.slice();
      // (on webgpu not read back: a slot not known to be zero runs its pass, which is exact either way)
      if (where === 'gpu') return { shape, zero: false, mv: tf.keep(tf.tidy(() => tf.concat([tf.reshape(w.tensor, [-1]), tf.reshape(rest[half + i].tensor, [-1])]))) };
      const [m, v] = [w.tensor, rest[half + i].tensor].map((t) => Float32Array.from(t.dataSync()));
      const zero = m.every((x) => x === 0) && v.every((x) => x === 0);
      return where === 'simd' ? { shape, zero, m: tf.keep(tf.tensor(m, shape)), v: tf.keep(tf.tensor(v, shape)) } : { shape, zero, m, v };
    });
    this.names = rest.slice(0, half).map((w) => w.name.replace(/\/m$/, ''));
    // moments from a checkpoint start the flush cycle where a flush leaves them
    const simd = SimdKernels.current();
    if (simd) this.flushMoments(simd);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  override dispose(): void {
    tf.dispose(this.lent);
    this.lent = [];
    this.disposeSlots();
  }

  private disposeSlots(): void {
    for (const s of this.slots) {
      if ('mv' in s) s.mv.dispose();
      else if (s.m instanceof tf.Tensor) tf.dispose([s.m, s.v as tf.Tensor]);
    }
    this.slots = [];
  }
}
