/** `rnn-workbench eval --session DIR`: the length-generalization curve of a trained session, any lengths. */
import { resolve } from 'node:path';
import { evaluateSession } from '../runs/evaluate-session.js';
import { CliError, positiveIntList, type CliIo } from './io.js';
import { formatCurve } from './train-command.js';

export const evalHelp = 'eval --session DIR [--lengths 10,50,100,150,1000] [--json]';

export async function evalCommand(values: Record<string, unknown>, io: CliIo): Promise<void> {
  if (!values.session) throw new CliError('eval needs --session DIR (a folder made by train)');
  const curve = await evaluateSession(resolve(String(values.session)), values.lengths ? positiveIntList(values.lengths, '--lengths') : undefined);
  io.out(values.json ? JSON.stringify(curve) : formatCurve(curve));
}
