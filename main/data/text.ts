/**
 * Text → token ids: a lowercase word-and-punctuation tokenizer, numbers for a dataset's
 * distinct tokens, and a vocabulary with a minimum frequency and a maximum size. Id 0 is
 * <pad>, id 1 is <unk>.
 */

export const PAD = '<pad>';
export const UNK = '<unk>';
export const PAD_ID = 0;
export const UNK_ID = 1;

/**
 * The tokens, as a regular expression: words (with inner apostrophes, hyphens, dots and
 * slashes: don't, k-19, 1.8, and/or), clitics ('s, n't) and punctuation (a run like -- or ...
 * is one token). `scan` below finds exactly these matches, faster; a test holds them equal.
 */
export const TOKEN = /[\p{L}\p{N}]+(?:['’./-][\p{L}\p{N}]+)*|['’][\p{L}\p{N}]+|([^\s\p{L}\p{N}])\1*/gu;

const SPACE = 0;
const WORD = 1;
const OTHER = 2;
/** kinds of the ASCII code points: [0-9A-Za-z] words, \t \n \v \f \r and ' ' spaces */
const ASCII = Uint8Array.from({ length: 128 }, (_, c) => (/[0-9A-Za-z]/.test(String.fromCharCode(c)) ? WORD : /\s/.test(String.fromCharCode(c)) ? SPACE : OTHER));
/** other code points, looked up once each with the classes TOKEN uses */
const looked = new Map<number, number>();

function kindOf(cp: number): number {
  if (cp < 128) return ASCII[cp];
  let k = looked.get(cp);
  if (k === undefined) {
    const s = String.fromCodePoint(cp);
    k = /^[\p{L}\p{N}]$/u.test(s) ? WORD : /^\s$/u.test(s) ? SPACE : OTHER;
    looked.set(cp, k);
  }
  return k;
}

/** The end of the run of word code points from i. */
function wordEnd(s: string, i: number): number {
  while (i < s.length) {
    const cp = s.codePointAt(i)!;
    if (kindOf(cp) !== WORD) break;
    i += cp > 0xffff ? 2 : 1;
  }
  return i;
}

const isJoiner = (c: number) => c === 0x27 || c === 0x2019 || c === 0x2e || c === 0x2f || c === 0x2d;
const isApostrophe = (c: number) => c === 0x27 || c === 0x2019;

/**
 * Calls emit(start, end) for every match of TOKEN in s, left to right, without a regular
 * expression or a substring. Why: reading a 100 MB text file spent 8.5 s of its 29 s in
 * TOKEN's matches and the strings they made (three times per row: column profiles, lengths,
 * examples); this loop walks the code points once.
 */
function scan(s: string, emit: (start: number, end: number) => void): void {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const cp = s.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const kind = kindOf(cp);
    if (kind === SPACE) {
      i += width;
      continue;
    }
    const start = i;
    if (kind === WORD) {
      // [\p{L}\p{N}]+ (?:['’./-][\p{L}\p{N}]+)*
      i = wordEnd(s, i);
      while (i + 1 < n && isJoiner(s.charCodeAt(i)) && kindOf(s.codePointAt(i + 1)!) === WORD) i = wordEnd(s, i + 1);
    } else if (isApostrophe(cp) && i + 1 < n && kindOf(s.codePointAt(i + 1)!) === WORD) {
      // ['’][\p{L}\p{N}]+
      i = wordEnd(s, i + 1);
    } else {
      // ([^\s\p{L}\p{N}])\1*
      i += width;
      while (i < n && s.codePointAt(i) === cp) i += width;
    }
    emit(start, i);
  }
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * How many tokens a text holds (TOKEN's matches in it, lowercased), without making them. ASCII
 * text is scanned as it is: its letters are words in either case, and lowercasing (which can
 * change non-ASCII text's tokens: İ becomes i and a combining dot) only made a copy of every row
 * to throw away.
 */
export function countTokens(text: string): number {
  let n = 0;
  scan(NON_ASCII.test(text) ? text.toLowerCase() : text, () => n++);
  return n;
}

/**
 * Texts → the distinct tokens, numbered in the order first seen, and every text's numbers in
 * one buffer (text i: ids[starts[i] … starts[i + 1])). Why numbers: 4 bytes a token where an
 * array of strings holds a pointer and a string per token, and a vocabulary is then counted in
 * an array instead of a Map.
 */
export function numberTokens(texts: readonly string[]): { tokens: string[]; ids: Int32Array; starts: Int32Array } {
  const tokens: string[] = [];
  const index = new Map<string, number>();
  let ids = new Int32Array(1 << 16);
  let n = 0;
  const starts = new Int32Array(texts.length + 1);
  texts.forEach((text, row) => {
    const lower = text.toLowerCase();
    scan(lower, (a, b) => {
      const token = lower.slice(a, b);
      let id = index.get(token);
      if (id === undefined) {
        id = tokens.length;
        tokens.push(token);
        index.set(token, id);
      }
      if (n === ids.length) {
        const grown = new Int32Array(2 * n);
        grown.set(ids);
        ids = grown;
      }
      ids[n++] = id;
    });
    starts[row + 1] = n;
  });
  return { tokens, ids: ids.slice(0, n), starts };
}

/** Each text of a buffer (numberTokens) as its tokens joined by spaces: one key a text, comparable across corpora, whose numbers differ. */
export function textKeys(corpus: { tokens: readonly string[]; ids: Int32Array; starts: Int32Array }): string[] {
  const { tokens, ids, starts } = corpus;
  return Array.from({ length: starts.length - 1 }, (_, i) => Array.from(ids.subarray(starts[i], starts[i + 1]), (id) => tokens[id]).join(' '));
}

/** How often each of `size` token numbers occurs in these texts (rows) of one buffer (numberTokens). */
export function tokenCounts(ids: Int32Array, starts: Int32Array, rows: ArrayLike<number>, size: number): Int32Array {
  const counts = new Int32Array(size);
  for (let r = 0; r < rows.length; r++) {
    for (let k = starts[rows[r]], end = starts[rows[r] + 1]; k < end; k++) counts[ids[k]]++;
  }
  return counts;
}

export interface VocabOptions {
  /** drop tokens seen fewer times (default 1: keep all) */
  minFreq?: number;
  /** total size including <pad> and <unk> (default 20,000) */
  maxSize?: number;
}

export class Vocab {
  readonly tokens: string[];
  private readonly ids: Map<string, number>;

  constructor(tokens: string[]) {
    this.tokens = tokens;
    this.ids = new Map(tokens.map((t, i) => [t, i]));
  }

  /**
   * From distinct tokens and how often each occurs (tokenCounts): most frequent first, ties
   * alphabetical, so the same texts always give the same ids.
   */
  static fromCounts(tokens: readonly string[], counts: ArrayLike<number>, opts: VocabOptions = {}): Vocab {
    const minFreq = opts.minFreq ?? 1;
    const maxSize = opts.maxSize ?? 20_000;
    const kept = tokens
      .map((_, i) => i)
      .filter((i) => counts[i] > 0 && counts[i] >= minFreq)
      .sort((a, b) => counts[b] - counts[a] || (tokens[a] < tokens[b] ? -1 : tokens[a] > tokens[b] ? 1 : 0))
      .slice(0, Math.max(0, maxSize - 2))
      .map((i) => tokens[i]);
    return new Vocab([PAD, UNK, ...kept]);
  }

  get size(): number {
    return this.tokens.length;
  }

  id(token: string): number {
    return this.ids.get(token) ?? UNK_ID;
  }

  /** The id of each of numberTokens' tokens (<unk> for those not kept): texts' numbers → ids. */
  lookup(tokens: readonly string[]): Int32Array {
    return Int32Array.from(tokens, (t) => this.id(t));
  }
}

/** Share of token ids that are <unk>. */
export function unknownShare(texts: Iterable<ArrayLike<number>>): number {
  let total = 0;
  let unknown = 0;
  for (const ids of texts) {
    total += ids.length;
    for (let k = 0; k < ids.length; k++) if (ids[k] === UNK_ID) unknown++;
  }
  return total === 0 ? 0 : unknown / total;
}
