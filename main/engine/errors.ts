/**
 * Typed engine errors: the UI and CLI show `message` as is and branch on `code`,
 * so a bad request is never a crash.
 */
export class EngineError extends Error {
  constructor(
    readonly code: 'sequence-too-long' | 'position-out-of-range' | 'bad-input',
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** The unshared model has no weights past maxLen; the page's own error, with the positions named. */
export class SequenceTooLongError extends EngineError {
  constructor(
    readonly length: number,
    readonly maxLen: number,
  ) {
    super(
      'sequence-too-long',
      `Sequence length ${length} exceeds max ${maxLen}: no weights exist for positions ${maxLen + 1}–${length}`,
    );
  }
}
