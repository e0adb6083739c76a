/**
 * Bytes → text, chunk by chunk, refusing what is not UTF-8 text: binary files (NUL bytes),
 * invalid UTF-8 (with the line where it starts), over-long lines and over-large files.
 * UTF-16 with a byte-order mark (Excel's "Unicode Text" export) is read too.
 * A leading BOM is dropped; line endings stay as they are (the parsers handle CRLF and lone CR).
 */
import { DataError } from './errors.js';
import { MAX_FILE_BYTES, MAX_LINE_CHARS, formatBytes } from './limits.js';

/**
 * Node's Buffer, where there is one. Why: its UTF-8 decoder makes a one-byte string wherever every
 * character fits one, and TextDecoder (Node 20) two bytes a character as soon as one is not
 * ASCII: SST-2 repeated to 100 MB (é, ü, …) was held as 200 MB of text, through the whole parse.
 */
const NodeBuffer = (globalThis as { Buffer?: { concat(chunks: Uint8Array[]): { toString(encoding: 'utf8'): string } } }).Buffer;

export interface DecodeProgress {
  bytesRead: number;
  totalBytes: number;
}

type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/** The encoding a byte-order mark at the start says, where it says UTF-16 (else UTF-8, BOM or not). */
function encodingOf(head: Uint8Array): Encoding {
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}

/**
 * Whether text without a BOM looks like UTF-16: ASCII characters in it are a letter byte and a
 * NUL byte, so most bytes at one parity are NULs and few at the other.
 */
function looksLikeUtf16(head: Uint8Array): boolean {
  const n = Math.min(head.length, 4096) & ~1;
  if (n < 8) return false;
  const nuls = [0, 0];
  for (let i = 0; i < n; i++) if (head[i] === 0) nuls[i & 1]++;
  const [low, high] = [Math.min(...nuls), Math.max(...nuls)];
  return high >= 0.4 * (n / 2) && low <= 0.05 * (n / 2);
}

export class TextAssembler {
  private encoding: Encoding = 'utf-8';
  private decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  /** the decoded text (without Buffer), or the checked bytes, decoded once at the end (with it) */
  private readonly parts: string[] = [];
  private readonly bytes: Uint8Array[] = [];
  private bytesRead = 0;
  /** 1-based line being read, and how long it is so far */
  private line = 1;
  private lineChars = 0;
  private lastWasCR = false;

  constructor(
    readonly file: string,
    readonly totalBytes: number,
    private readonly onProgress?: (p: DecodeProgress) => void,
  ) {
    if (totalBytes > MAX_FILE_BYTES) {
      throw new DataError('too-large', file, `the file is ${formatBytes(totalBytes)}; files up to ${formatBytes(MAX_FILE_BYTES)} are supported`);
    }
  }

  /** The next bytes of the file; kept until finish() (a file stream's chunks are never written again). */
  push(chunk: Uint8Array): void {
    if (this.bytesRead === 0 && chunk.length > 0) this.start(chunk);
    const utf8 = this.encoding === 'utf-8';
    // (UTF-16 holds NUL bytes in every ASCII character: there a NUL character is looked for instead)
    const nul = utf8 ? chunk.indexOf(0) : -1;
    if (nul >= 0) {
      throw new DataError('binary', this.file, `NUL byte at offset ${this.bytesRead + nul}: this is a binary file, expected text (CSV, TSV, JSONL or TXT)`, this.line);
    }
    this.bytesRead += chunk.length;
    if (this.bytesRead > MAX_FILE_BYTES) {
      throw new DataError('too-large', this.file, `the file is larger than ${formatBytes(MAX_FILE_BYTES)}, the supported maximum`);
    }
    // decoded here all the same: that is what checks the encoding and measures the lines
    const text = this.decode(chunk, true);
    if (!utf8 && text.includes('\0')) {
      throw new DataError('binary', this.file, 'a NUL character in UTF-16 text: this is a binary file, expected text (CSV, TSV, JSONL or TXT)', this.line);
    }
    this.accept(text);
    if (NodeBuffer && utf8) this.bytes.push(chunk);
    this.onProgress?.({ bytesRead: this.bytesRead, totalBytes: this.totalBytes });
  }

  finish(): string {
    this.accept(this.decode(new Uint8Array(), false));
    // (the TextDecoder dropped a leading BOM; Buffer keeps it)
    const text = NodeBuffer && this.encoding === 'utf-8' ? NodeBuffer.concat(this.bytes).toString('utf8').replace(/^\uFEFF/, '') : this.parts.join('');
    // they would stay alive as long as this assembler (its caller's frame, while it parses)
    this.parts.length = 0;
    this.bytes.length = 0;
    return text;
  }

  /** The first bytes: a UTF-16 byte-order mark switches the decoder; anything else must not look binary. */
  private start(head: Uint8Array): void {
    this.encoding = encodingOf(head);
    if (this.encoding !== 'utf-8') this.decoder = new TextDecoder(this.encoding, { fatal: true, ignoreBOM: false });
    else if (looksLikeUtf16(head)) {
      throw new DataError('encoding', this.file, 'this looks like UTF-16 text without a byte-order mark; save the file as UTF-8 (or as UTF-16 with a BOM)');
    } else this.checkNotBinary(head);
  }

  private decode(chunk: Uint8Array, stream: boolean): string {
    try {
      return this.decoder.decode(chunk, { stream });
    } catch {
      const what = this.encoding === 'utf-8' ? 'valid UTF-8 (saved as Latin-1 or UTF-16?)' : `valid ${this.encoding.toUpperCase()} (a broken surrogate pair or a cut-off last byte)`;
      throw new DataError('encoding', this.file, `the text is not ${what}; save the file as UTF-8`, this.line + this.countLines(chunk));
    }
  }

  /** Newlines before the first undecodable byte of a chunk, to name the line at fault. */
  private countLines(chunk: Uint8Array): number {
    const lenient = new TextDecoder(this.encoding).decode(chunk);
    const bad = lenient.indexOf('\uFFFD');
    return (lenient.slice(0, bad < 0 ? lenient.length : bad).match(/\r\n|\r|\n/g) ?? []).length;
  }

  private checkNotBinary(head: Uint8Array): void {
    const n = Math.min(head.length, 4096);
    let control = 0;
    for (let i = 0; i < n; i++) {
      const b = head[i];
      if (b < 9 || (b > 13 && b < 32 && b !== 27)) control++;
    }
    if (control > n * 0.1) {
      throw new DataError('binary', this.file, 'this looks like a binary file (many control bytes), expected text (CSV, TSV, JSONL or TXT)');
    }
  }

  /**
   * Counts the lines of a decoded chunk and checks their lengths, jumping from line break to line
   * break with indexOf (a loop over every character took 0.3 s of a 100 MB file).
   */
  private accept(text: string): void {
    let nextLF = text.indexOf('\n');
    let nextCR = text.indexOf('\r');
    for (let i = 0; ; ) {
      // (each search runs again only once passed: a text without CRs is searched for one once)
      if (nextLF !== -1 && nextLF < i) nextLF = text.indexOf('\n', i);
      if (nextCR !== -1 && nextCR < i) nextCR = text.indexOf('\r', i);
      const brk = nextLF === -1 ? nextCR : nextCR === -1 ? nextLF : Math.min(nextLF, nextCR);
      const run = (brk === -1 ? text.length : brk) - i;
      if (run > 0) {
        this.lastWasCR = false;
        this.lineChars += run;
        if (this.lineChars > MAX_LINE_CHARS) {
          throw new DataError('line-too-long', this.file, `the line is longer than ${MAX_LINE_CHARS.toLocaleString('en-US')} characters, the supported maximum for one example`, this.line);
        }
      }
      if (brk === -1) break;
      // CRLF counts once (its LF may come in the next chunk); a lone CR ends a line too
      const cr = text.charCodeAt(brk) === 13;
      if (cr || !this.lastWasCR) this.line++;
      this.lineChars = 0;
      this.lastWasCR = cr;
      i = brk + 1;
    }
    if (!NodeBuffer || this.encoding !== 'utf-8') this.parts.push(text);
  }
}

/** Whole-buffer convenience for tests and small inputs. */
export function decodeText(file: string, bytes: Uint8Array): string {
  const asm = new TextAssembler(file, bytes.length);
  asm.push(bytes);
  return asm.finish();
}
