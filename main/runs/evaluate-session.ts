/**
 * A trained session's length-generalization curve at any lengths, from its last checkpoint, on
 * the data it was trained on (refused if that changed since): `eval` on the CLI, and the app's
 * "evaluate at these lengths" in a worker process. The curve is appended to the session's eval.jsonl.
 */
import type { LengthCurve } from '../contract.js';
import { initBackend } from '../engine/backend.js';
import { SequenceModel } from '../engine/models/sequence-model.js';
import { readLater } from '../engine/reads.js';
import { appendLines, FILES, readCheckpoint, readSessionFile, SessionError } from '../sessions/store.js';
import { loadedFile, readFileDataset } from './data-files.js';
import { lengthCurveReads } from './evaluate.js';
import { checkSameData } from './run-checks.js';
import { prepareRunData } from './run-data.js';

/** `lengths`: where to evaluate (default: the session's own eval lengths). */
export async function evaluateSession(dir: string, lengths?: number[]): Promise<LengthCurve> {
  const session = readSessionFile(dir);
  const checkpoint = readCheckpoint(dir);
  if (!checkpoint) throw new SessionError(`${dir} has no checkpoint yet: train it first`);
  const config = { ...session.config, evalLengths: lengths ?? session.config.evalLengths };
  await initBackend(config.backend ? { only: config.backend } : {});
  const data = await prepareRunData(config, async (path, overrides, validation) => loadedFile(await readFileDataset(path, overrides, undefined, validation)));
  checkSameData(session, data, 'evaluating');
  const model = new SequenceModel(data.model);
  try {
    model.setWeights(checkpoint.weights);
    // read awaiting each value: a session trained on webgpu is evaluated there too
    const curve = await readLater(lengthCurveReads(model, config.evalLengths, data.evalAt, { step: checkpoint.step, trainedMax: data.trainedMax, metricName: data.metricName, buckets: data.evalBuckets }));
    appendLines(dir, FILES.eval, [curve]);
    return curve;
  } finally {
    model.dispose();
  }
}
