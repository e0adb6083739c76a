/**
 * Adam as one pass over each parameter in JS, for the backends whose tensors live in this
 * process's memory (wasm, cpu). tf.train.adam runs ~10 tensor ops per parameter, and on wasm
 * each op costs its dispatch: for an unshared model with 150 parameter tensors that was 20 ms a
 * step, more than the forward pass. Here: read the gradient and the weight, update m, v and
 * the weight in one loop, write the weight back — same rule, same defaults, and the same
 * getWeights/setWeights layout as tf.train.adam ([iter, m…, v…]), so checkpoints move between
 * the two (a run saved on a GPU machine resumes here and back).
 */
import * as tf from '@tensorflow/tfjs';

/** tf.NamedTensor is not re-exported by @tensorflow/tfjs */
type NamedTensor = { name: string; tensor: tf.Tensor };

interface Slot {
  m: Float32Array;
  v: Float32Array;
  shape: number[];
}

export class FusedAdam extends tf.Optimizer {
  static get className(): string {
    // the name tf.train.adam serialises under: a saved config loads into either
    return 'Adam';
  }

  /** moments by position in the gradient list (applyStep passes every parameter, in a fixed order) */
  private slots: Slot[] = [];
  private names: string[] = [];
  /** tensors handed out by getWeights, owned here (disposed on the next call or dispose) */
  private lent: tf.Tensor[] = [];

  constructor(
    readonly learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = tf.backend().epsilon(),
  ) {
    super();
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const list = Array.isArray(variableGradients) ? variableGradients : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    this.incrementIterations();
    const { beta1: b1, beta2: b2, epsilon: eps, learningRate: lr } = this;
    // bias corrections folded into two constants: w −= lr·(m/c1) / (ε + √(v/c2))
    const stepSize = lr / (1 - b1 ** this.iterations);
    const rootC2 = Math.sqrt(1 - b2 ** this.iterations);
    list.forEach(({ name, tensor: grad }, i) => {
      const variable = tf.engine().registeredVariables[name];
      if (!variable) throw new Error(`FusedAdam: no variable named ${name}`);
      const g = grad.dataSync() as Float32Array;
      const w = variable.dataSync() as Float32Array;
      const slot = (this.slots[i] ??= { m: new Float32Array(g.length), v: new Float32Array(g.length), shape: variable.shape.slice() });
      this.names[i] = name;
      if (slot.m.length !== g.length) throw new Error(`FusedAdam: parameter ${i} (${name}) changed size`);
      const { m, v } = slot;
      const out = new Float32Array(g.length);
      for (let k = 0; k < g.length; k++) {
        const gk = g[k];
        const mk = b1 * m[k] + (1 - b1) * gk;
        const vk = b2 * v[k] + (1 - b2) * gk * gk;
        m[k] = mk;
        v[k] = vk;
        out[k] = w[k] - (stepSize * mk) / (eps + Math.sqrt(vk) / rootC2);
      }
      tf.tidy(() => variable.assign(tf.tensor(out, variable.shape)));
    });
  }

  override async getWeights(): Promise<NamedTensor[]> {
    tf.dispose(this.lent);
    // copies: the cpu backend would keep the very array these moments are updated in
    const moments = (pick: (s: Slot) => Float32Array, suffix: string) => this.slots.map((s, i) => ({ name: `${this.names[i]}/${suffix}`, tensor: tf.tensor(pick(s).slice(), s.shape) }));
    const out = [{ name: 'iter', tensor: tf.scalar(this.iterations, 'int32') as tf.Tensor }, ...moments((s) => s.m, 'm'), ...moments((s) => s.v, 'v')];
    this.lent = out.map((w) => w.tensor);
    return out;
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    if (rest.length % 2) throw new Error(`FusedAdam: expected first and second moments in pairs, got ${rest.length} tensors`);
    const half = rest.length / 2;
    this.slots = rest.slice(0, half).map((w, i) => ({ m: Float32Array.from(w.tensor.dataSync()), v: Float32Array.from(rest[half + i].tensor.dataSync()), shape: w.tensor.shape.slice() }));
    this.names = rest.slice(0, half).map((w) => w.name.replace(/\/m$/, ''));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  override dispose(): void {
    tf.dispose(this.lent);
    this.lent = [];
    this.slots = [];
  }
}
