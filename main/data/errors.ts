/**
 * Every way a file can be wrong, as one error type whose message names the file, the line
 * (where there is one) and what was expected. Callers show `message` as is.
 */
export type DataErrorCode =
  | 'empty'
  | 'header-only'
  | 'binary'
  | 'encoding'
  | 'too-large'
  | 'line-too-long'
  | 'ragged'
  | 'parse'
  | 'not-numeric'
  | 'missing-value'
  | 'one-class'
  | 'too-many-classes'
  | 'no-columns'
  | 'bad-role'
  | 'too-short'
  | 'too-long'
  | 'changed';

export class DataError extends Error {
  constructor(
    readonly code: DataErrorCode,
    readonly file: string,
    readonly detail: string,
    readonly line?: number,
  ) {
    super(`${file}: ${line !== undefined ? `line ${line}: ` : ''}${detail}`);
    this.name = 'DataError';
  }
}
