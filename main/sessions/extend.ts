/**
 * Training a finished run further: new limits (epochs, max steps) in its config, then a resume
 * from its last checkpoint. The batches of an epoch depend only on (seed, epoch) and the
 * checkpoint holds the optimizer's state, so a run trained to 2 epochs and then on to 4 takes
 * the same steps as one trained to 4 at once.
 */
import { runEnded, RunConfigSchema, type SessionFile } from '../contract.js';
import { checkNotTraining } from './run-lock.js';
import { readSessionFile, SessionError, writeSession } from './store.js';

export interface RunLimits {
  epochs: number;
  /** null: no limit but the epochs */
  maxSteps: number | null;
}

/** The limits a run would go on to, or why it cannot: it is running, or they leave nothing to train. */
export function extendedSession(session: SessionFile, limits: RunLimits): SessionFile {
  if (!runEnded(session.status)) {
    throw new SessionError(`this run is ${session.status}; it can train further once it has ended`);
  }
  const { step, epoch } = session.progress;
  // an early-stopped run may go on within its limits; any other must be given room
  if (limits.maxSteps !== null && limits.maxSteps <= step) {
    throw new SessionError(`this run has trained ${step.toLocaleString('en-US')} steps: raise max steps past ${step.toLocaleString('en-US')} to train further`);
  }
  if (limits.epochs <= epoch) {
    throw new SessionError(`this run has trained ${epoch} epoch${epoch === 1 ? '' : 's'}: raise epochs past ${epoch} to train further`);
  }
  const train = { ...session.config.train, epochs: limits.epochs, maxSteps: limits.maxSteps ?? undefined };
  const parsed = RunConfigSchema.safeParse({ ...session.config, train });
  if (!parsed.success) throw new SessionError(`${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  return { ...session, config: parsed.data };
}

/** Writes the new limits into the session in `dir`; the caller then resumes it. */
export function extendSession(dir: string, limits: RunLimits): SessionFile {
  checkNotTraining(dir, 'train this run further');
  const next = extendedSession(readSessionFile(dir), limits);
  writeSession(dir, next);
  return next;
}
