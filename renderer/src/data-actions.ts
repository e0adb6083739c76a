/** Loading data into the app: a dropped or picked file (uploaded), a shipped example, or a built-in task. */
import { MAX_UPLOAD_BYTES } from '../../main/contract';
import { connect, toBase64 } from './api';
import { state, type TaskName } from './state';

export async function loadFile(file: File): Promise<void> {
  const api = connect();
  if (!api) return;
  state.dataError = '';
  if (file.size > MAX_UPLOAD_BYTES) {
    state.dataError = `${file.name}: the file is ${(file.size / 2 ** 20).toFixed(0)} MiB; files dropped in the browser may be up to ${MAX_UPLOAD_BYTES / 2 ** 20} MiB (use the desktop app or the CLI for larger ones)`;
    return;
  }
  state.dataBusy = true;
  try {
    const bytes = await file.arrayBuffer().then(
      (b) => new Uint8Array(b),
      () => Promise.reject(new Error(`${file.name}: could not be read (moved, deleted or a folder?); drop one data file (CSV, TSV, JSONL or text)`)),
    );
    state.data = await api.invoke({ type: 'data.upload', name: file.name, base64: toBase64(bytes) });
    state.task = null;
  } catch (e) {
    state.dataError = (e as Error).message;
  } finally {
    state.dataBusy = false;
  }
}

export async function loadPath(path: string, overrides: Record<string, string> = {}): Promise<void> {
  const api = connect();
  if (!api) return;
  state.dataError = '';
  state.dataBusy = true;
  try {
    const keepName = state.data?.path === path ? state.data.summary.file : null;
    const result = await api.invoke({ type: 'data.inspect', path, overrides: overrides as never });
    state.data = keepName ? { ...result, summary: { ...result.summary, file: keepName } } : result;
    state.task = null;
  } catch (e) {
    state.dataError = (e as Error).message;
  } finally {
    state.dataBusy = false;
  }
}

export function chooseTask(task: TaskName): void {
  state.task = task;
  state.data = null;
  state.dataError = '';
}

/** Whether the model reads tokens through an embedding: text, and the tasks of symbols (parity and adding feed numbers). */
export function usesEmbedding(): boolean {
  if (state.task) return state.task !== 'parity' && state.task !== 'adding';
  return state.data?.summary.task !== 'forecast' && state.data?.summary.task !== 'sequence-classification';
}

/** Input width of the recurrent core, for the live parameter table: the embedding's, or the numbers a step. */
export function inputWidth(): number {
  if (usesEmbedding()) return state.model.embed;
  if (state.task === 'parity') return 1;
  if (state.task === 'adding') return 2;
  if (state.data?.summary.task === 'forecast') return state.data.summary.columns.filter((c) => c.role === 'value').length;
  return state.data?.summary.lengths?.features ?? 1;
}

/** Longest sequence in the data (tokens or steps), if known. */
export function dataMaxLength(): number | null {
  if (state.task) return 20;
  return state.data?.summary.lengths?.max ?? null;
}
