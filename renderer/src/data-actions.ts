/** Loading data into the app: a dropped or picked file, a shipped example, or a built-in task; and a classification file's validation file. */
import { dataShape, MAX_UPLOAD_BYTES, type DatasetSummary, type DataShape, type RoleOverrides, type WorkbenchApi } from '../../main/contract';
import { connect, toBase64 } from './api';
import { state, type LoadedFile, type TaskName } from './state';

/**
 * A dropped or picked file, read by the service: in place where the app knows where it lies
 * (Electron, any size), else by sending its bytes (a browser, up to MAX_UPLOAD_BYTES).
 */
async function inspectFile(api: WorkbenchApi, file: File, as: { overrides?: RoleOverrides; validationOf?: DataShape; trainingPath?: string } = {}): Promise<LoadedFile> {
  const onDisk = api.pathForFile?.(file);
  if (onDisk) return api.invoke({ type: 'data.inspect', path: onDisk, ...as });
  if (file.size > MAX_UPLOAD_BYTES) {
    throw new Error(`${file.name}: the file is ${(file.size / 2 ** 20).toFixed(0)} MiB; files dropped in the browser may be up to ${MAX_UPLOAD_BYTES / 2 ** 20} MiB (use the desktop app or the CLI for larger ones)`);
  }
  const bytes = await file.arrayBuffer().then(
    (b) => new Uint8Array(b),
    () => Promise.reject(new Error(`${file.name}: could not be read (moved, deleted or a folder?); choose one data file (CSV, TSV, JSONL or text)`)),
  );
  return api.invoke({ type: 'data.upload', name: file.name, base64: toBase64(bytes), ...as });
}

/** Whether a file classifies, and so may be validated on another file (a forecast validates on the end of each series). */
export const classifies = (s: { task: DatasetSummary['task'] }): boolean => s.task === 'text-classification' || s.task === 'sequence-classification';

/** A new summary of the same file keeps the name the user knows (an upload is stored under another). */
const keepingName = (result: LoadedFile, was: LoadedFile | null): LoadedFile => (was?.path === result.path ? { ...result, summary: { ...result.summary, file: was.summary.file } } : result);

export async function loadFile(file: File): Promise<void> {
  const api = connect();
  if (!api) return;
  state.dataError = '';
  state.dataBusy = true;
  try {
    state.data = await inspectFile(api, file);
    state.task = null;
    clearValidation();
  } catch (e) {
    state.dataError = (e as Error).message;
  } finally {
    state.dataBusy = false;
  }
}

/** A file by its path (an example, or the loaded file again with other column roles). */
export async function loadPath(path: string, overrides: RoleOverrides = {}): Promise<void> {
  const api = connect();
  if (!api) return;
  state.dataError = '';
  state.dataBusy = true;
  try {
    const same = state.data?.path === path;
    state.data = keepingName(await api.invoke({ type: 'data.inspect', path, overrides }), state.data);
    state.task = null;
    // other roles for the training file are the validation file's roles too: read it again with
    // them, while the file still classifies (a forecast validates on the end of each series)
    if (!same || !classifies(state.data.summary)) clearValidation();
    else if (state.validation) await loadValidation((as) => api.invoke({ type: 'data.inspect', path: state.validation!.path, ...as }));
  } catch (e) {
    state.dataError = (e as Error).message;
  } finally {
    state.dataBusy = false;
  }
}

/** The roles of the training file's columns, which its validation file's columns of the same names take. */
const trainingRoles = (): RoleOverrides => Object.fromEntries(state.data!.summary.columns.map((c) => [c.name, c.role]));

async function loadValidation(read: (as: { overrides: RoleOverrides; validationOf: DataShape; trainingPath: string }) => Promise<LoadedFile>): Promise<void> {
  if (!state.data) return;
  state.validationError = '';
  state.validationBusy = true;
  try {
    // (with the training file's path the service also warns of the examples both files hold)
    state.validation = keepingName(await read({ overrides: trainingRoles(), validationOf: dataShape(state.data.summary), trainingPath: state.data.path }), state.validation);
  } catch (e) {
    state.validation = null;
    state.validationError = (e as Error).message;
  } finally {
    state.validationBusy = false;
  }
}

/** A validation file for the loaded classification file: refused, saying why, unless it fits it. */
export async function loadValidationFile(file: File): Promise<void> {
  const api = connect();
  if (api) await loadValidation((as) => inspectFile(api, file, as));
}

export function clearValidation(): void {
  state.validation = null;
  state.validationError = '';
}

export function chooseTask(task: TaskName): void {
  state.task = task;
  state.data = null;
  state.dataError = '';
  clearValidation();
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
