// A text one thread writes and another reads without a message per change: the ping URL, which changes whenever a
// job starts or ends. A postMessage per change cost a quarter of the worker's CPU per job on a no-op handler; the
// ping thread only needs the URL as it is when it pings.
//
// Layout (the ping thread's reader in ping-thread.ts follows it): Int32 0 is a version, odd while a write is under
// way; Int32 1 is the text's length in bytes, -1 for no text; the UTF-8 bytes start at byte 8.

export const HEADER_BYTES = 8;

export class SharedText {
  private header!: Int32Array;
  private bytes!: Uint8Array;
  /** Handed to the reader; replaced by a larger one when a text outgrows it. */
  buffer!: SharedArrayBuffer;

  constructor(capacity = 2048) {
    this.allocate(capacity);
  }

  /** Stores `text` for the reader; true when it needed a larger buffer, which the reader must then be given. */
  write(text: string | undefined): boolean {
    const encoded = text === undefined ? undefined : Buffer.from(text);
    const grown = encoded !== undefined && encoded.length > this.bytes.length;
    if (grown) this.allocate(Math.max(2 * this.bytes.length, encoded.length));
    // A reader that sees an odd version, or a different one after its copy, reads again.
    Atomics.add(this.header, 0, 1);
    if (encoded !== undefined) this.bytes.set(encoded);
    Atomics.store(this.header, 1, encoded === undefined ? -1 : encoded.length);
    Atomics.add(this.header, 0, 1);
    return grown;
  }

  private allocate(capacity: number): void {
    this.buffer = new SharedArrayBuffer(HEADER_BYTES + capacity);
    this.header = new Int32Array(this.buffer, 0, 2);
    this.bytes = new Uint8Array(this.buffer, HEADER_BYTES);
    Atomics.store(this.header, 1, -1);
  }
}

/**
 * The reader. ping-thread.ts puts this function's own source text into the thread's, so it uses nothing but
 * its argument, HEADER_BYTES and globals.
 */
export function readSharedText(buffer: SharedArrayBuffer): string | undefined {
  const header = new Int32Array(buffer, 0, 2);
  for (;;) {
    const version = Atomics.load(header, 0);
    if ((version & 1) === 0) {
      const length = Atomics.load(header, 1);
      const text = length < 0 ? undefined : Buffer.from(new Uint8Array(buffer, HEADER_BYTES, length)).toString();
      if (Atomics.load(header, 0) === version) return text;
    }
  }
}
