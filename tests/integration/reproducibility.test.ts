/** Seeds make runs repeatable on one backend, and a resumed run continues the very same curve. */
import { describe, expect, it } from 'vitest';
import { RunConfigSchema, type RunConfigInput } from '../../main/contract.js';
import { prepareRunData } from '../../main/runs/run-data.js';
import { runTraining, type Checkpoint } from '../../main/runs/training-loop.js';
import { useBackend } from '../helpers/backend.js';

const noFiles = async () => {
  throw new Error('no files in this test');
};

async function losses(input: RunConfigInput, opts: { stopAt?: number; resume?: Checkpoint } = {}) {
  const config = RunConfigSchema.parse(input);
  const data = await prepareRunData(config, noFiles);
  const out: number[] = [];
  let last: Checkpoint | null = null;
  let steps = opts.resume?.step ?? 0;
  await runTraining(
    config,
    data,
    {
      metrics: (r) => r.forEach((m) => out.push(m.loss)),
      status: () => {},
      checkpoint: (c) => void (last = c),
      evaluation: () => {},
    },
    { gate: async () => (opts.stopAt !== undefined && steps++ >= opts.stopAt ? 'stop' : 'go') },
    opts.resume,
  );
  return { losses: out, checkpoint: last as Checkpoint | null };
}

const base: RunConfigInput = {
  data: { type: 'task', task: 'parity', count: 1200, minLen: 2, maxLen: 12 },
  model: { kind: 'shared', cell: 'gru', hidden: 16 },
  train: { epochs: 2, lr: 0.01, clip: 1, validateEvery: 1000 },
  evalLengths: [4],
  seed: 42,
};

describe('reproducibility (wasm)', () => {
  useBackend('wasm');

  it('the same seed gives the same first 50 losses; another seed does not', async () => {
    const a = (await losses(base)).losses.slice(0, 50);
    const b = (await losses(base)).losses.slice(0, 50);
    expect(a).toHaveLength(50);
    expect(b).toEqual(a);
    const c = (await losses({ ...base, seed: 43 })).losses.slice(0, 50);
    expect(c).not.toEqual(a);
  });

  it('stop at step 30 and resume from its checkpoint: steps 31… repeat the uninterrupted losses', async () => {
    const full = (await losses(base)).losses;
    const first = await losses(base, { stopAt: 30 });
    expect(first.losses).toHaveLength(30);
    expect(first.checkpoint!.step).toBe(30);
    const rest = (await losses(base, { resume: first.checkpoint! })).losses;
    expect(rest.length).toBe(full.length - 30);
    rest.forEach((l, i) => expect(l).toBeCloseTo(full[30 + i], 5));
  });
});

describe('early stopping (wasm)', () => {
  useBackend('wasm');
  it('ends the run once validation loss stops improving for `patience` validations', async () => {
    const config = RunConfigSchema.parse({ ...base, train: { ...base.train, epochs: 50, validateEvery: 5, earlyStopping: 2, lr: 0.2 } });
    const data = await prepareRunData(config, noFiles);
    const messages: string[] = [];
    let steps = 0;
    let saved = -1;
    const status = await runTraining(
      config,
      data,
      { metrics: (r) => (steps = r.at(-1)!.step), status: (_s, _step, _total, m) => m && messages.push(m), checkpoint: (c) => void (saved = c.step), evaluation: () => {} },
      { gate: async () => 'go' },
    );
    expect(status).toBe('completed');
    expect(messages).toEqual([expect.stringMatching(/^early stopping: validation loss has not improved for 2 validations$/)]);
    expect(steps).toBeLessThan(50 * Math.ceil(data.train.length / 32));
    // the session's last checkpoint holds the model the run ended with (eval and export read it)
    expect(saved).toBe(steps);
  });
});
