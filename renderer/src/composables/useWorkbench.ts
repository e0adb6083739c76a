/** Wires the contract's events into state; charts redraw at most 4 times a second whatever the message rate. */
import { markRaw, onUnmounted } from 'vue';
import { runEnded, type WorkbenchEvent } from '../../../main/contract';
import { connect } from '../api';
import { runView, state } from '../state';

const dirty = new Set<string>();
let timer: ReturnType<typeof setInterval> | null = null;

function flush(): void {
  for (const id of dirty) runView(id).version++;
  dirty.clear();
}

export async function refreshSessions(): Promise<void> {
  const api = connect();
  if (api) state.sessions = await api.invoke({ type: 'sessions.list' });
}

/** Loads a session from disk into a RunView (charts restored from metrics.jsonl and eval.jsonl). */
export async function openSession(id: string): Promise<void> {
  const api = connect();
  if (!api) return;
  const loaded = await api.invoke({ type: 'sessions.load', id });
  const r = runView(id);
  r.session = loaded.session;
  r.metrics = markRaw(loaded.metrics);
  r.evals = markRaw(loaded.evals);
  r.status = loaded.session.status;
  r.step = loaded.session.progress.step;
  r.totalSteps = loaded.session.progress.totalSteps;
  r.message = loaded.session.error ?? '';
  r.backend = loaded.session.backend;
  r.parallel = loaded.session.parallel;
  r.version++;
}

function onEvent(e: WorkbenchEvent): void {
  switch (e.type) {
    case 'run.metrics': {
      const r = runView(e.id);
      r.metrics.push(...e.records);
      dirty.add(e.id);
      break;
    }
    case 'run.eval': {
      const r = runView(e.id);
      r.evals.push(e.curve);
      dirty.add(e.id);
      break;
    }
    case 'run.status': {
      const r = runView(e.id);
      r.status = e.status;
      if (e.totalSteps) {
        r.step = e.step;
        r.totalSteps = e.totalSteps;
      }
      if (e.message) r.message = e.message;
      if (runEnded(e.status)) {
        void refreshSessions();
        void openSession(e.id);
      }
      break;
    }
    case 'run.parallel':
      runView(e.id).parallel = e.plan;
      break;
    case 'run.ready':
      runView(e.id).backend = e.backend;
      break;
    case 'sessions.changed':
      void refreshSessions();
      break;
    case 'menu':
      window.dispatchEvent(new CustomEvent('workbench-menu', { detail: e.action }));
      break;
  }
}

export function useWorkbench(): void {
  const api = connect();
  if (!api) {
    state.connectionError = 'No engine connected: open this page from the app, or from the URL that `rnn-workbench serve` prints (it carries the token).';
    return;
  }
  const off = api.onEvent(onEvent);
  timer = setInterval(flush, 250);
  api
    .invoke({ type: 'backend.get' })
    .then((b) => (state.backend = b))
    .catch((e: Error) => (state.connectionError = e.message));
  void refreshSessions().catch((e: Error) => (state.connectionError = e.message));
  void api.invoke({ type: 'experiments.list' }).then((l) => (state.experiments.list = l));
  onUnmounted(() => {
    off();
    if (timer) clearInterval(timer);
  });
}
