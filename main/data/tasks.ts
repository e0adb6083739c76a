/**
 * Built-in synthetic tasks with known answers and adjustable lengths, for the page's
 * length-generalization, position-transfer and position-awareness experiments.
 * Deterministic for a seed. Token tasks reserve id 0 for padding.
 */
import { createRng, type Rng } from '../engine/random.js';

export interface TaskExample {
  /** token ids (token tasks) */
  tokens?: number[];
  /** T × features (numeric tasks) */
  values?: number[][];
  label: number;
  length: number;
}

export interface TaskSet {
  name: TaskName;
  inputKind: 'tokens' | 'features';
  /** token vocabulary size (ids 0…vocab−1, 0 = padding) or features per step */
  width: number;
  classes: number;
  examples: TaskExample[];
}

export interface TaskOptions {
  count: number;
  minLen: number;
  maxLen: number;
  seed: number;
  /** keyword / position tasks: positions (0-based) where the keyword may appear */
  positions?: number[];
}

export type TaskName = 'parity' | 'adding' | 'recall' | 'keyword' | 'position';

export const TASKS: Record<TaskName, { title: string; answer: string }> = {
  parity: { title: 'Parity', answer: '1 when the bit string holds an odd number of ones' },
  adding: { title: 'Adding problem', answer: '1 when the two marked values sum to more than 1 (the classic adding problem as a decision)' },
  recall: { title: 'Recall the first token', answer: 'the symbol at position 0, after any number of distractors' },
  keyword: { title: 'Keyword at any position', answer: '1 when the sentence holds "good", 0 when it holds "bad"; filler words elsewhere' },
  position: { title: 'Position matters', answer: '1 when the symbol at position 2 is A (A and B appear everywhere): only position tells them apart' },
};

/** Token ids of the keyword task: 0 pad, 1 good, 2 bad, 3… filler words. */
export const KEYWORD_IDS = { pad: 0, good: 1, bad: 2, firstFiller: 3, vocab: 20 } as const;

const length = (rng: Rng, o: TaskOptions) => o.minLen + rng.int(o.maxLen - o.minLen + 1);

function generate(o: TaskOptions, one: (rng: Rng, len: number) => Omit<TaskExample, 'length'>): TaskExample[] {
  if (!(o.minLen >= 1 && o.maxLen >= o.minLen)) throw new Error(`task lengths must satisfy 1 ≤ min ≤ max, got ${o.minLen}…${o.maxLen}`);
  const rng = createRng(o.seed);
  return Array.from({ length: o.count }, () => {
    const len = length(rng, o);
    return { ...one(rng, len), length: len };
  });
}

export function makeTask(name: TaskName, o: TaskOptions): TaskSet {
  switch (name) {
    case 'parity':
      return {
        name, inputKind: 'features', width: 1, classes: 2,
        examples: generate(o, (rng, len) => {
          const bits = Array.from({ length: len }, () => rng.int(2));
          return { values: bits.map((b) => [b]), label: bits.reduce((a, b) => a + b, 0) % 2 };
        }),
      };
    case 'adding':
      return {
        name, inputKind: 'features', width: 2, classes: 2,
        examples: generate({ ...o, minLen: Math.max(2, o.minLen) }, (rng, len) => {
          const values = Array.from({ length: len }, () => [rng.uniform(), 0]);
          const a = rng.int(len);
          let b = rng.int(len - 1);
          if (b >= a) b++;
          values[a][1] = 1;
          values[b][1] = 1;
          return { values, label: values[a][0] + values[b][0] > 1 ? 1 : 0 };
        }),
      };
    case 'recall': {
      const symbols = 4; // ids 1…4 are the symbols to recall, 5…12 distractors
      return {
        name, inputKind: 'tokens', width: 13, classes: symbols,
        examples: generate(o, (rng, len) => {
          const first = rng.int(symbols);
          const tokens = [1 + first, ...Array.from({ length: len - 1 }, () => 5 + rng.int(8))];
          return { tokens, label: first };
        }),
      };
    }
    case 'keyword':
      return {
        name, inputKind: 'tokens', width: KEYWORD_IDS.vocab, classes: 2,
        examples: generate(o, (rng, len) => {
          const tokens = Array.from({ length: len }, () => KEYWORD_IDS.firstFiller + rng.int(KEYWORD_IDS.vocab - KEYWORD_IDS.firstFiller));
          const allowed = (o.positions ?? Array.from({ length: len }, (_, t) => t)).filter((p) => p < len);
          const at = allowed.length ? allowed[rng.int(allowed.length)] : rng.int(len);
          const label = rng.int(2);
          tokens[at] = label ? KEYWORD_IDS.good : KEYWORD_IDS.bad;
          return { tokens, label };
        }),
      };
    case 'position':
      return {
        name, inputKind: 'tokens', width: 3, classes: 2,
        examples: generate({ ...o, minLen: Math.max(3, o.minLen) }, (rng, len) => {
          const tokens = Array.from({ length: len }, () => 1 + rng.int(2)); // 1 = A, 2 = B
          return { tokens, label: tokens[2] === 1 ? 1 : 0 };
        }),
      };
  }
}
