/** `rnn-workbench eval --session DIR`: the length-generalization curve of a trained session, any lengths. */
import { resolve } from 'node:path';
import { initBackend } from '../engine/backend.js';
import { SequenceModel } from '../engine/models/sequence-model.js';
import { loadedFile, readFileDataset } from '../runs/data-files.js';
import { lengthCurveReads } from '../runs/evaluate.js';
import { readLater } from '../engine/reads.js';
import { checkSameData } from '../runs/run-checks.js';
import { prepareRunData } from '../runs/run-data.js';
import { appendLines, FILES, readCheckpoint, readSessionFile } from '../sessions/store.js';
import { CliError, positiveIntList, type CliIo } from './io.js';
import { formatCurve } from './train-command.js';

export const evalHelp = 'eval --session DIR [--lengths 10,50,100,150,1000] [--json]';

export async function evalCommand(values: Record<string, unknown>, io: CliIo): Promise<void> {
  if (!values.session) throw new CliError('eval needs --session DIR (a folder made by train)');
  const dir = resolve(String(values.session));
  const session = readSessionFile(dir);
  const checkpoint = readCheckpoint(dir);
  if (!checkpoint) throw new CliError(`${dir} has no checkpoint yet: train it first`);
  const config = { ...session.config, evalLengths: values.lengths ? positiveIntList(values.lengths, '--lengths') : session.config.evalLengths };
  await initBackend(config.backend ? { only: config.backend } : {});
  const data = await prepareRunData(config, async (path, overrides, validation) => loadedFile(await readFileDataset(path, overrides, undefined, validation)));
  checkSameData(session, data, 'evaluating');
  const model = new SequenceModel(data.model);
  try {
    model.setWeights(checkpoint.weights);
    // read awaiting each value: a session trained on webgpu is evaluated there too
    const curve = await readLater(lengthCurveReads(model, config.evalLengths, data.evalAt, { step: checkpoint.step, trainedMax: data.trainedMax, metricName: data.metricName, buckets: data.evalBuckets }));
    appendLines(dir, FILES.eval, [curve]);
    io.out(values.json ? JSON.stringify(curve) : formatCurve(curve));
  } finally {
    model.dispose();
  }
}
