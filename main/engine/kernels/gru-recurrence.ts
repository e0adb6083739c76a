/**
 * The shared GRU recurrence (PyTorch's gate layout r, z, n) with a hand-written backward pass.
 *
 *   r = σ(xr + hr),  z = σ(xz + hz),  n = tanh(xn + r ⊙ hn),  h̃ = n + z ⊙ (h − n),
 *   h_t = h_{t−1} + m_t ⊙ (h̃ − h_{t−1}),   where [hr, hz, hn] = h_{t−1} W_hhᵀ + b_hh
 *
 * Backward, with g = m_t ⊙ ∂L/∂h_t:
 *   ∂n̂ = g ⊙ (1 − z) ⊙ (1 − n²),  ∂ẑ = g ⊙ (h − n) ⊙ z(1 − z),  ∂r̂ = ∂n̂ ⊙ hn ⊙ r(1 − r)
 *   ∂xp = [∂r̂, ∂ẑ, ∂n̂],  ∂hp = [∂r̂, ∂ẑ, ∂n̂ ⊙ r],  carry = g ⊙ z + (1 − m) ⊙ ∂L/∂h_t + ∂hp · W_hh
 * Same tricks as the tanh kernel: non-transposed matmuls, JS-side time slices, weight
 * gradients as one matmul after the loop. Checked against nn.GRU's fixture and autodiff.
 */
import * as tf from '@tensorflow/tfjs';
import { forwardInputs, previous, timeSlices, weightGradient } from './time-slices.js';

type Recurrence = (xp: tf.Tensor3D, W_hh: tf.Tensor2D, b_hh: tf.Tensor1D, mask: tf.Tensor3D) => tf.Tensor3D;

function build(masked: boolean): Recurrence {
  return tf.customGrad(((xp: tf.Tensor3D, W_hh: tf.Tensor2D, b_hh: tf.Tensor1D, mask: tf.Tensor3D, save: tf.GradSaveFunc) => {
    const { T, d, W_hhT, xs, ms, h0 } = forwardInputs(xp, W_hh, mask, masked);
    let h = h0;
    const out = { H: [] as tf.Tensor2D[], R: [] as tf.Tensor2D[], Z: [] as tf.Tensor2D[], N: [] as tf.Tensor2D[], HN: [] as tf.Tensor2D[] };
    for (let t = 0; t < T; t++) {
      const [xr, xz, xn] = tf.split(xs[t], 3, 1);
      const [hr, hz, hn] = tf.split(tf.add(tf.matMul(h, W_hhT), b_hh), 3, 1);
      const r = tf.sigmoid(tf.add(xr, hr)) as tf.Tensor2D;
      const z = tf.sigmoid(tf.add(xz, hz)) as tf.Tensor2D;
      const n = tf.tanh(tf.add(xn, tf.mul(r, hn))) as tf.Tensor2D;
      const hNew = tf.add(n, tf.mul(z, tf.sub(h, n))) as tf.Tensor2D;
      h = masked ? (tf.add(h, tf.mul(ms[t], tf.sub(hNew, h))) as tf.Tensor2D) : hNew;
      out.H.push(h);
      out.R.push(r);
      out.Z.push(z);
      out.N.push(n);
      out.HN.push(hn as tf.Tensor2D);
    }
    const H = tf.stack(out.H) as tf.Tensor3D;
    save([H, tf.stack(out.R), tf.stack(out.Z), tf.stack(out.N), tf.stack(out.HN), W_hh, mask]);
    return {
      value: H,
      gradFunc: (dH: tf.Tensor3D, saved: tf.Tensor[]) => {
        const [Hs, Rs, Zs, Ns, HNs, W, M] = saved as tf.Tensor3D[];
        const Hprev = previous(Hs);
        // every factor that does not depend on the incoming gradient, for all T at once:
        // ∂n̂ = g ⊙ A, ∂ẑ = g ⊙ Bz, ∂r̂ = ∂n̂ ⊙ C — three multiplies per step instead of a dozen ops
        const A = tf.mul(tf.sub(1, Zs), tf.sub(1, tf.square(Ns))) as tf.Tensor3D;
        const Bz = tf.mul(tf.sub(Hprev, Ns), tf.mul(Zs, tf.sub(1, Zs))) as tf.Tensor3D;
        const C = tf.mul(HNs, tf.mul(Rs, tf.sub(1, Rs))) as tf.Tensor3D;
        const [dHs, as, bs, cs, rs, zs] = [dH, A, Bz, C, Rs, Zs].map((x) => timeSlices(x as tf.Tensor3D));
        const msk = masked ? timeSlices(M) : [];
        const dXP: tf.Tensor2D[] = new Array(T);
        const dHP: tf.Tensor2D[] = new Array(T);
        let carry: tf.Tensor2D | null = null;
        for (let t = T - 1; t >= 0; t--) {
          const total: tf.Tensor2D = carry ? tf.add(dHs[t], carry) : dHs[t];
          const g: tf.Tensor2D = masked ? tf.mul(msk[t], total) : total;
          const dn = tf.mul(g, as[t]);
          const dz = tf.mul(g, bs[t]);
          const dr = tf.mul(dn, cs[t]);
          dXP[t] = tf.concat([dr, dz, dn], 1) as tf.Tensor2D;
          dHP[t] = tf.concat([dr, dz, tf.mul(dn, rs[t])], 1) as tf.Tensor2D;
          let next: tf.Tensor2D = tf.add(tf.mul(g, zs[t]), tf.matMul(dHP[t], W));
          if (masked) next = tf.add(next, tf.mul(tf.sub(1, msk[t]), total));
          carry = next;
        }
        const dHPall = tf.stack(dHP) as tf.Tensor3D;
        return [tf.stack(dXP), weightGradient(dHPall, Hprev), tf.sum(tf.reshape(dHPall, [-1, 3 * d]), 0), tf.zerosLike(M)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as Recurrence;
}

export const gruRecurrence = { masked: build(true), full: build(false) };
