/**
 * The shared LSTM recurrence (PyTorch's gate layout i, f, g, o) with a hand-written backward.
 *
 *   [i, f, g, o] = xp_t + h_{t−1} W_hhᵀ  (both biases already in xp),
 *   c̃ = σf ⊙ c_{t−1} + σi ⊙ tanh g,  h̃ = σo ⊙ tanh c̃,  then c_t, h_t step to c̃, h̃ where m_t = 1
 *
 * Backward, with gh = m ⊙ ∂L/∂h_t and gc = m ⊙ ∂L/∂c_t:
 *   ∂c̃ = gc + gh ⊙ σo ⊙ (1 − tanh² c̃);  ∂ô = gh ⊙ tanh c̃ ⊙ σo(1 − σo);  ∂î = ∂c̃ ⊙ tanh g ⊙ σi(1 − σi)
 *   ∂f̂ = ∂c̃ ⊙ c_{t−1} ⊙ σf(1 − σf);  ∂ĝ = ∂c̃ ⊙ σi ⊙ (1 − tanh² g)
 *   carry_h = [∂î, ∂f̂, ∂ĝ, ∂ô] · W_hh + (1 − m) ⊙ ∂L/∂h_t;  carry_c = ∂c̃ ⊙ σf + (1 − m) ⊙ ∂L/∂c_t
 * Checked against nn.LSTM's fixture and autodiff.
 */
import * as tf from '@tensorflow/tfjs';
import { forwardInputs, previous, timeSlices, weightGradient } from './time-slices.js';

type Recurrence = (xp: tf.Tensor3D, W_hh: tf.Tensor2D, mask: tf.Tensor3D) => tf.Tensor3D;

function build(masked: boolean): Recurrence {
  return tf.customGrad(((xp: tf.Tensor3D, W_hh: tf.Tensor2D, mask: tf.Tensor3D, save: tf.GradSaveFunc) => {
    const { T, W_hhT, xs, ms, h0 } = forwardInputs(xp, W_hh, mask, masked);
    let h = h0;
    let c = tf.zerosLike(h0) as tf.Tensor2D;
    const keep = { H: [] as tf.Tensor[], C: [] as tf.Tensor[], SI: [] as tf.Tensor[], SF: [] as tf.Tensor[], TG: [] as tf.Tensor[], SO: [] as tf.Tensor[], TC: [] as tf.Tensor[] };
    for (let t = 0; t < T; t++) {
      const [i, f, g, o] = tf.split(tf.add(xs[t], tf.matMul(h, W_hhT)), 4, 1);
      const si = tf.sigmoid(i);
      const sf = tf.sigmoid(f);
      const tg = tf.tanh(g);
      const so = tf.sigmoid(o);
      const cNew = tf.add(tf.mul(sf, c), tf.mul(si, tg)) as tf.Tensor2D;
      const tc = tf.tanh(cNew);
      const hNew = tf.mul(so, tc) as tf.Tensor2D;
      c = masked ? (tf.add(c, tf.mul(ms[t], tf.sub(cNew, c))) as tf.Tensor2D) : cNew;
      h = masked ? (tf.add(h, tf.mul(ms[t], tf.sub(hNew, h))) as tf.Tensor2D) : hNew;
      keep.H.push(h);
      keep.C.push(c);
      keep.SI.push(si);
      keep.SF.push(sf);
      keep.TG.push(tg);
      keep.SO.push(so);
      keep.TC.push(tc);
    }
    const H = tf.stack(keep.H) as tf.Tensor3D;
    save([H, tf.stack(keep.C), tf.stack(keep.SI), tf.stack(keep.SF), tf.stack(keep.TG), tf.stack(keep.SO), tf.stack(keep.TC), W_hh, mask]);
    return {
      value: H,
      gradFunc: (dH: tf.Tensor3D, saved: tf.Tensor[]) => {
        const [Hs, Cs, SIs, SFs, TGs, SOs, TCs, W, M] = saved as tf.Tensor3D[];
        const Hprev = previous(Hs);
        // factors independent of the incoming gradient, for all T at once (one multiply each per step)
        const P = tf.mul(SOs, tf.sub(1, tf.square(TCs))); // ∂c̃ += gh ⊙ P
        const Q = tf.mul(TCs, tf.mul(SOs, tf.sub(1, SOs))); // ∂ô = gh ⊙ Q
        const Ri = tf.mul(TGs, tf.mul(SIs, tf.sub(1, SIs))); // ∂î = ∂c̃ ⊙ Ri
        const Rf = tf.mul(previous(Cs), tf.mul(SFs, tf.sub(1, SFs))); // ∂f̂ = ∂c̃ ⊙ Rf
        const Rg = tf.mul(SIs, tf.sub(1, tf.square(TGs))); // ∂ĝ = ∂c̃ ⊙ Rg
        const [dHs, ps, qs, ris, rfs, rgs, sf] = [dH, P, Q, Ri, Rf, Rg, SFs].map((x) => timeSlices(x as tf.Tensor3D));
        const msk = masked ? timeSlices(M) : [];
        const dG: tf.Tensor2D[] = new Array(T);
        let carryH: tf.Tensor2D | null = null;
        let carryC: tf.Tensor2D | null = null;
        for (let t = T - 1; t >= 0; t--) {
          const totalH: tf.Tensor2D = carryH ? tf.add(dHs[t], carryH) : dHs[t];
          const gh = masked ? tf.mul(msk[t], totalH) : totalH;
          const gc = carryC ? (masked ? tf.mul(msk[t], carryC) : carryC) : null;
          const fromH = tf.mul(gh, ps[t]);
          const dc = gc ? tf.add(gc, fromH) : fromH;
          dG[t] = tf.concat([tf.mul(dc, ris[t]), tf.mul(dc, rfs[t]), tf.mul(dc, rgs[t]), tf.mul(gh, qs[t])], 1) as tf.Tensor2D;
          let nextH: tf.Tensor2D = tf.matMul(dG[t], W);
          let nextC: tf.Tensor2D = tf.mul(dc, sf[t]);
          if (masked) {
            const off = tf.sub(1, msk[t]);
            nextH = tf.add(nextH, tf.mul(off, totalH));
            if (carryC) nextC = tf.add(nextC, tf.mul(off, carryC));
          }
          carryH = nextH;
          carryC = nextC;
        }
        const dGall = tf.stack(dG) as tf.Tensor3D;
        return [dGall, weightGradient(dGall, Hprev), tf.zerosLike(M)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as Recurrence;
}

export const lstmRecurrence = { masked: build(true), full: build(false) };
