import fs from 'node:fs';

/** The file's lines, read 1 MiB at a time: a file of millions of lines is never one string. */
export function* readLines(file: string): Generator<string> {
  const fd = fs.openSync(file, 'r');
  try {
    const chunk = Buffer.alloc(1 << 20);
    const decoder = new TextDecoder();
    let rest = '';
    for (;;) {
      const read = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      const lines = (rest + decoder.decode(chunk.subarray(0, read), { stream: true })).split('\n');
      rest = lines.pop() ?? '';
      yield* lines;
    }
    rest += decoder.decode();
    if (rest !== '') yield rest;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The lines as JSON values, skipping blank lines and lines that do not parse: in an append-only
 * file, a line torn by a crash (the last one) was never confirmed, so it counts as not written.
 */
export function* parsedLines<T>(lines: Iterable<string>): Generator<T> {
  for (const text of lines) {
    if (text.trim() === '') continue;
    let value: T;
    try {
      value = JSON.parse(text) as T;
    } catch {
      continue;
    }
    yield value;
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
