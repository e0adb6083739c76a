/**
 * A helper thread (worker_threads, entry gradient-helper.ts) of a training worker: its own
 * backend and model replica, for a data-parallel run's shards (data-parallel.ts) or for
 * validation on a spare core (background-scorer.ts). Each request carries an id; its answer
 * resolves that request. A thread that fails rejects every request, then and later, with a
 * sentence: never a hang.
 */
import type { Worker } from 'node:worker_threads';
import { HelperEventSchema, type HelperCommand, type HelperEvent } from '../contract.js';
import { startThread } from './thread-entry.js';

type Answer = Extract<HelperEvent, { id: number }>;

export class HelperThread {
  private waiting = new Map<number, { resolve: (e: Answer) => void; reject: (e: Error) => void }>();
  private ready: Promise<void>;
  private failure: Error | null = null;
  private nextId = 0;
  /** null where the thread could not even be created (its failure says why) */
  private readonly worker: Worker | null = null;

  /**
   * Starts the thread and sends it `init` (its model and backend); whenReady() says when it is
   * up. `role` names it in failures ('gradient helper', 'validation helper').
   */
  constructor(init: HelperCommand, role: string) {
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise((res, rej) => ((readyResolve = res), (readyReject = rej)));
    // nobody may await ready (a scorer starts in the background): its failure is kept, not thrown
    this.ready.catch(() => {});
    const fail = (e: Error) => {
      this.failure ??= e;
      readyReject(e);
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    };
    let worker: Worker;
    try {
      worker = startThread('gradient-helper');
    } catch (e) {
      fail(new Error(`a ${role} thread could not start: ${(e as Error).message}`));
      return;
    }
    this.worker = worker;
    worker.on('message', (raw: unknown) => {
      const parsed = HelperEventSchema.safeParse(raw);
      if (!parsed.success) return fail(new Error(`a ${role} thread sent a malformed message: ${parsed.error.issues[0]?.message}`));
      const event = parsed.data;
      if (event.type === 'ready') readyResolve();
      else if (event.type === 'error') fail(new Error(`a ${role} thread failed: ${event.message}`));
      else {
        this.waiting.get(event.id)?.resolve(event);
        this.waiting.delete(event.id);
      }
    });
    worker.on('error', (e) => fail(new Error(`a ${role} thread failed: ${e.message}`)));
    worker.on('exit', (code) => fail(new Error(`a ${role} thread exited (code ${code})`)));
    worker.postMessage(init);
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  /** The reason it failed, or null while it works. */
  get failed(): Error | null {
    return this.failure;
  }

  /** Sends a command that needs no answer (the thread reports a failure as an error event). */
  tell(cmd: HelperCommand, transfer: ArrayBuffer[] = []): void {
    if (!this.failure) this.worker?.postMessage(cmd, transfer);
  }

  /** Sends a command made for a fresh id and resolves with the answer of that id. */
  ask<T extends Answer['type']>(make: (id: number) => HelperCommand, transfer: ArrayBuffer[] = []): Promise<Extract<Answer, { type: T }>> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (e: Answer) => void, reject });
      this.worker!.postMessage(make(id), transfer);
    });
  }

  async terminate(): Promise<void> {
    await this.worker?.terminate();
  }
}
