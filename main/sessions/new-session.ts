/** A fresh session.json for a run config: status queued, versions recorded, nothing trained yet. */
import { randomUUID } from 'node:crypto';
import { version_core as tfjsVersion } from '@tensorflow/tfjs';
import { RunConfigSchema, type RunConfigInput, type SessionFile } from '../contract.js';
import { createSession } from './store.js';

export const APP_VERSION = '0.1.0';

export function newSessionFile(configInput: RunConfigInput): SessionFile {
  const config = RunConfigSchema.parse(configInput);
  const now = new Date().toISOString();
  return {
    format: 'rnn-workbench-session',
    version: 1,
    id: randomUUID(),
    name: config.name || (config.data.type === 'task' ? `${config.model.kind} on ${config.data.task}` : `${config.model.kind} on ${config.data.path.split(/[\\/]/).pop()}`),
    createdAt: now,
    updatedAt: now,
    status: 'queued',
    error: null,
    config,
    model: null,
    dataset: null,
    backend: null,
    parallel: null,
    versions: { app: APP_VERSION, tfjs: tfjsVersion, node: process.versions.node },
    progress: { step: 0, epoch: 0, totalSteps: 0 },
    params: null,
  };
}

export function createRunSession(dir: string, configInput: RunConfigInput): SessionFile {
  const session = newSessionFile(configInput);
  createSession(dir, session);
  return session;
}
