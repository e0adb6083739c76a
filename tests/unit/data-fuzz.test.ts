/**
 * Fuzz: random bytes and mutated real files must give a summary or a DataError — never
 * another kind of throw, never a hang (each case is bounded by the test timeout).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetSummarySchema } from '../../main/contract.js';
import { DataError, readDataset } from '../../main/data/index.js';
import { createRng, type Rng } from '../../main/engine/random.js';
import { datasetsDir } from '../helpers/fixtures.js';

const seeds = ['AirPassengers.csv', 'sst2-dev.tsv', 'daily-min-temperatures.csv'].map((name) => ({
  name,
  bytes: readFileSync(resolve(datasetsDir, name)).subarray(0, 6000),
}));
const NASTY = ['"', ',', '\t', '\n', '\r', '\0', '{', '}', '[', ']', '\ufeff', 'é', '__proto__', 'NaN', '-', '1e999'].map((s) => new TextEncoder().encode(s));

function mutate(bytes: Uint8Array, rng: Rng): Uint8Array {
  const out = Array.from(bytes);
  const edits = 1 + rng.int(12);
  for (let k = 0; k < edits; k++) {
    const at = rng.int(out.length + 1);
    switch (rng.int(4)) {
      case 0:
        out.splice(at, 1 + rng.int(20));
        break;
      case 1:
        out.splice(at, 0, ...NASTY[rng.int(NASTY.length)]);
        break;
      case 2:
        out[at] = rng.int(256);
        break;
      default:
        out.splice(at, 0, ...out.slice(rng.int(out.length), rng.int(out.length)));
    }
  }
  return new Uint8Array(out);
}

async function outcome(file: string, bytes: Uint8Array): Promise<'summary' | 'error'> {
  try {
    const { summary } = await readDataset([bytes], { file, size: bytes.length });
    DatasetSummarySchema.parse(summary);
    return 'summary';
  } catch (e) {
    if (!(e instanceof DataError)) throw new Error(`${file}: threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
    expect(e.message.startsWith(`${file}: `)).toBe(true);
    return 'error';
  }
}

describe('fuzz: summary or clean error, nothing else', () => {
  it('300 mutated real files', async () => {
    const rng = createRng(2026);
    const tally = { summary: 0, error: 0 };
    for (let i = 0; i < 300; i++) {
      const seed = seeds[i % seeds.length];
      const ext = ['csv', 'tsv', 'jsonl', 'txt', 'dat'][rng.int(5)];
      tally[await outcome(`fuzz-${i}.${ext}`, mutate(seed.bytes, rng))]++;
    }
    // both outcomes occur: the mutations are neither all harmless nor all fatal
    expect(tally.summary).toBeGreaterThan(30);
    expect(tally.error).toBeGreaterThan(30);
  });

  it('200 random byte strings', async () => {
    const rng = createRng(7);
    for (let i = 0; i < 200; i++) {
      const bytes = new Uint8Array(rng.int(400)).map(() => (rng.uniform() < 0.7 ? 32 + rng.int(95) : rng.int(256)));
      await outcome(`random-${i}.${['csv', 'jsonl', 'txt'][i % 3]}`, bytes);
    }
  });
});
