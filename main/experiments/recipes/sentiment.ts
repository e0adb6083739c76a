import { corpusRows, textItems, textVocab } from '../../data/prepare.js';
import { unknownShare } from '../../data/text.js';
import { accuracy, fit, pct } from '../toolkit.js';
import type { Recipe } from '../types.js';

/** The page's opening task: positive or negative, 5 words or 50, one shared GRU. */
export const sentimentRecipe: Recipe = {
  name: 'sentiment',
  title: 'Sentiment on SST-2 (sentences of 1–52 tokens)',
  claim: 'Parameter sharing lets one network classify sentences of any length (“some have 5 words, others have 50”) with a fixed set of weights.',
  async run(ctx) {
    const train = await ctx.loadDataset('sst2-train');
    const dev = await ctx.loadDataset('sst2-dev');
    if (train.kind !== 'text-classification' || dev.kind !== 'text-classification') throw new Error('SST-2 files are not text classification');
    // quick: 12k training phrases, one pass; full: all 67k, two passes (≈ 14 s here with the fast kernels)
    const all = corpusRows(train.corpus);
    const rows = ctx.full ? all : all.filter((i) => i % 5 === 0).slice(0, 12_000);
    const vocab = textVocab(train.corpus, rows, { minFreq: ctx.full ? 1 : 2, maxSize: 20_000 });
    const items = textItems(train.corpus, rows, vocab);
    const devItems = textItems(dev.corpus, corpusRows(dev.corpus), vocab);
    const started = Date.now();
    const model = fit(
      { kind: 'shared', cell: 'gru', hidden: 64, seed: ctx.seed, input: { type: 'embedding', vocab: vocab.size, embed: 64 }, head: { type: 'classify', classes: 2 } },
      items,
      { epochs: ctx.full ? 2 : 1, batch: 64, lr: 0.005, clip: 5, seed: ctx.seed, onStep: (s) => s % 100 === 0 && ctx.progress?.(`step ${s}`) },
    );
    const minutes = (Date.now() - started) / 60_000;
    const devAcc = accuracy(model, devItems)!;
    // accuracy on short vs long dev sentences: the same weights at every length
    const short = devItems.filter((e) => e.tokens!.length <= 10);
    const long = devItems.filter((e) => e.tokens!.length >= 30);
    const byLength = { short: accuracy(model, short), long: accuracy(model, long), nShort: short.length, nLong: long.length };
    model.dispose();
    const target = ctx.full ? 0.8 : 0.7;
    const ok = devAcc >= target && (!ctx.full || minutes <= 10);
    return {
      reproduced: ok,
      reason: `dev accuracy ${pct(devAcc)} after ${minutes.toFixed(1)} min of training on ${items.length.toLocaleString('en-US')} phrases (target ${pct(target)}${ctx.full ? ' within 10 minutes' : ' on the quick setting'}); ≤ 10 tokens ${pct(byLength.short)} (n=${short.length}), ≥ 30 tokens ${pct(byLength.long)} (n=${long.length}) with the same weights`,
      values: { devAccuracy: devAcc, minutes, trainExamples: items.length, vocab: vocab.size, oov: unknownShare(devItems.map((e) => e.tokens!)), byLength },
      table: { columns: ['dev subset', 'sentences', 'accuracy'], rows: [['all', devItems.length, Number(devAcc.toFixed(3))], ['≤ 10 tokens', short.length, byLength.short === null ? null : Number(byLength.short.toFixed(3))], ['≥ 30 tokens', long.length, byLength.long === null ? null : Number(byLength.long.toFixed(3))]] },
      charts: [],
    };
  },
};
