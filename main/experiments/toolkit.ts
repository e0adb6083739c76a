/**
 * Small, shared pieces of the recipes: train a model on items, score it, build task items,
 * draw charts, and a bootstrap band. In-process and fs-free, so recipes run anywhere.
 */
import type { ChartSpec, ModelConfigInput } from '../contract.js';
import { bucketBatches, toPlainBatch, totalLength, type SequenceItem } from '../data/batches.js';
import { makeTask, type TaskName, type TaskOptions } from '../data/tasks.js';
import { disposeBatch, tensorBatch } from '../engine/batch.js';
import { SequenceModel, type LossMode } from '../engine/models/sequence-model.js';
import { createRng } from '../engine/random.js';
import { createOptimizer, trainStep, type OptimizerName } from '../engine/train.js';
import { score } from '../runs/evaluate.js';

export interface FitOptions {
  epochs: number;
  batch?: number;
  lr?: number;
  optimizer?: OptimizerName;
  clip?: number;
  loss?: LossMode;
  seed?: number;
  /** called after every step with its loss, gradient norm and the batch's mean sequence length */
  onStep?(step: number, loss: number, gradNorm: number, meanLength: number): void;
}

/** Trains a fresh model; the caller disposes it. Batch order depends only on the seed. */
export function fit(config: ModelConfigInput, items: SequenceItem[], o: FitOptions): SequenceModel {
  const model = new SequenceModel(config);
  const optimizer = createOptimizer({ name: o.optimizer ?? 'adam', lr: o.lr ?? 0.01 });
  let step = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (const chunk of bucketBatches(items, o.batch ?? 32, createRng((o.seed ?? 0) * 7919 + epoch + 1))) {
      const batch = tensorBatch(toPlainBatch(chunk));
      const r = trainStep(model, optimizer, batch, { clip: o.clip, loss: o.loss });
      disposeBatch(batch);
      o.onStep?.(++step, r.loss, r.gradNorm, totalLength(chunk) / chunk.length);
    }
  }
  optimizer.dispose();
  return model;
}

/** Accuracy (or MSE) of a model on items; null when there are none. */
export function accuracy(model: SequenceModel, items: SequenceItem[]): number | null {
  return score(model, items)?.metric ?? null;
}

export function taskItems(name: TaskName, o: TaskOptions): SequenceItem[] {
  return makeTask(name, o).examples.map((e) => ({ tokens: e.tokens, values: e.values, label: e.label }));
}

/** Input and head of a task, for model configs. */
export function taskIO(name: TaskName): Pick<ModelConfigInput, 'input' | 'head'> {
  const set = makeTask(name, { count: 1, minLen: 3, maxLen: 3, seed: 0 });
  return {
    input: set.inputKind === 'tokens' ? { type: 'embedding', vocab: set.width, embed: 16 } : { type: 'features', size: set.width },
    head: { type: 'classify', classes: set.classes },
  };
}

export function lineChart(id: string, title: string, x: string, y: string, series: Record<string, [number | string, number | null][]>, extra: Partial<ChartSpec> = {}): ChartSpec {
  return {
    id,
    title,
    type: 'line',
    x: { label: x, log: false },
    y: { label: y, log: false },
    series: Object.entries(series).map(([label, pts]) => ({ label, points: pts.map(([px, py]) => ({ x: px, y: py })) })),
    ...extra,
  };
}

export function barChart(id: string, title: string, x: string, y: string, series: Record<string, [number | string, number | null][]>, extra: Partial<ChartSpec> = {}): ChartSpec {
  return { ...lineChart(id, title, x, y, series, extra), type: 'bar' };
}

/** 95% percentile bootstrap interval of the mean. */
export function bootstrapMean(values: number[], seed: number, draws = 2000): { mean: number; low: number; high: number } {
  const rng = createRng(seed);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const means = Array.from({ length: draws }, () => {
    let s = 0;
    for (let i = 0; i < values.length; i++) s += values[rng.int(values.length)];
    return s / values.length;
  }).sort((a, b) => a - b);
  return { mean, low: means[Math.floor(draws * 0.025)], high: means[Math.floor(draws * 0.975)] };
}

export const round = (v: number | null, digits = 3): number | null => (v === null ? null : Number(v.toFixed(digits)));
export const pct = (v: number | null): string => (v === null ? 'n/a' : `${(100 * v).toFixed(1)}%`);

