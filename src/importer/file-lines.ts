import fs from 'node:fs';

/**
 * The file's lines, read `chunkBytes` (1 MiB) at a time: a file of millions of lines is never one
 * string. Many files read at once (the runs of a sort) take smaller chunks.
 */
export function* readLines(file: string, chunkBytes = 1 << 20): Generator<string> {
  for (const line of lineRecords(file, chunkBytes)) yield line.text;
}

/**
 * The file's lines with the byte offset each starts at and its length in bytes (without the
 * newline), read `chunkBytes` (1 MiB) at a time: whoever keeps the offset can read the line again
 * later (`readLineAt`) instead of keeping it.
 */
export function* lineRecords(file: string, chunkBytes = 1 << 20): Generator<{ text: string; offset: number; bytes: number }> {
  const fd = fs.openSync(file, 'r');
  try {
    const chunk = Buffer.alloc(chunkBytes);
    /** The bytes of a line that began in an earlier chunk. */
    let carried: Buffer[] = [];
    let carriedFrom = 0;
    let position = 0;
    for (;;) {
      const read = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      let start = 0;
      for (let end = chunk.indexOf(10, 0); end !== -1 && end < read; end = chunk.indexOf(10, start)) {
        if (carried.length > 0) {
          const line = Buffer.concat([...carried, chunk.subarray(0, end)]);
          yield { text: line.toString('utf8'), offset: carriedFrom, bytes: line.length };
          carried = [];
        } else yield { text: chunk.toString('utf8', start, end), offset: position + start, bytes: end - start };
        start = end + 1;
      }
      if (start < read) {
        if (carried.length === 0) carriedFrom = position + start;
        carried.push(Buffer.from(chunk.subarray(start, read)));
      }
      position += read;
    }
    if (carried.length > 0) {
      const line = Buffer.concat(carried);
      yield { text: line.toString('utf8'), offset: carriedFrom, bytes: line.length };
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** The line that starts at `offset` in the open file, without its newline. */
export function readLineAt(fd: number, offset: number): string {
  const parts: Buffer[] = [];
  for (let position = offset; ;) {
    const buffer = Buffer.alloc(parts.length === 0 ? 4096 : 1 << 16);
    const read = fs.readSync(fd, buffer, 0, buffer.length, position);
    const end = buffer.indexOf(10);
    if (end !== -1 && end < read) {
      parts.push(buffer.subarray(0, end));
      break;
    }
    parts.push(buffer.subarray(0, read));
    if (read < buffer.length) break; // the file's last line, without a newline
    position += read;
  }
  return Buffer.concat(parts).toString('utf8');
}

/**
 * The lines as JSON values, skipping blank lines and lines that do not parse: in an append-only
 * file, a line torn by a crash (the last one) was never confirmed, so it counts as not written.
 */
export function* parsedLines<T>(lines: Iterable<string>): Generator<T> {
  for (const text of lines) {
    const value = parsedLine<T>(text);
    if (value !== undefined) yield value;
  }
}

/** One line as `parsedLines` reads it: its JSON value, or undefined for a blank or torn line. */
export function parsedLine<T>(text: string): T | undefined {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/**
 * Text written to `fd` about 1 MiB at a time: a file of millions of lines is written without
 * one string of it all, and without a `write` call a line. `flush()` writes what is left.
 */
export function chunkedWriter(fd: number): { write(text: string): void; flush(): void } {
  let chunk = '';
  return {
    write(text) {
      chunk += text;
      if (chunk.length < 1 << 20) return;
      fs.writeSync(fd, chunk);
      chunk = '';
    },
    flush() {
      if (chunk !== '') fs.writeSync(fd, chunk);
      chunk = '';
    },
  };
}
