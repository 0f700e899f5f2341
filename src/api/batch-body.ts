import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { badRequest, invalidFields } from '../domain/errors.js';
import { MAX_JSON_NESTING } from './json-nesting.js';

/**
 * The batch import's body (`{"entries": [...], "mode": ..., ...}`), parsed as it arrives and bounded
 * while it is (issue 14). Fastify's JSON parser waits for the whole body, then parses it in one
 * call: a body of millions of `{}` entries held the event loop and the process's memory long
 * before the schema's `maxItems` could refuse it (docs/decisions.md, "Bulk import"). Here every
 * chunk is scanned when it comes, each entry is parsed on its own as soon as it is complete, and
 * the body is refused, before the rest is read, as soon as it is larger than the route's limit,
 * holds more entries than a batch may, nests deeper than any body may, or holds more than a
 * batch's envelope needs outside its entries. Between chunks the event loop serves other requests.
 */
export interface BatchBodyLimits {
  maxEntries: number;
  /** The top-level field that holds the entries: `entries` unless given (`changes` for `_changes`). */
  entriesField?: string;
  /** Characters outside the entries' own text (`mode`, `dryRun`, `source`, the brackets). */
  maxEnvelopeChars: number;
}

type JsonParse = (text: string) => unknown;

class BodyTooLarge extends Error {
  readonly code = 'FST_ERR_CTP_BODY_TOO_LARGE';
  readonly statusCode = 413;
  constructor() {
    super('The request body is too large.');
  }
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * The scanner: fed text chunk by chunk, it cuts each element of the top-level `entries` array out
 * and parses it, and keeps the rest (the envelope) with that array left empty. The result is what
 * JSON.parse of the whole text gives; malformed text is refused by one of the parses.
 */
export class BatchBodyScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The text of the string being read at depth 1 (a key, or a value), while short. */
  private capture: string | undefined;
  private lastDepthOneString: string | undefined;
  private inEntries = false;
  /** In the entries array: a value must come next (after `[` or `,`). */
  private expectingEntry = false;
  private afterComma = false;
  private inEntry = false;
  private entryPieces: string[] = [];
  private envelopePieces: string[] = [];
  private envelopeChars = 0;
  private entryCount = 0;
  private entries: unknown[] = [];
  /** The name of the entries' array. */
  private readonly field: string;

  constructor(
    private readonly limits: BatchBodyLimits,
    private readonly parse: JsonParse,
  ) {
    this.field = limits.entriesField ?? 'entries';
  }

  push(text: string): void {
    let entryStart = this.inEntry ? 0 : -1;
    let envelopeStart = this.inEntries ? -1 : 0;
    for (let index = 0; index < text.length; index += 1) {
      const code = text.charCodeAt(index);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (code === 0x5c /* \ */) this.escaped = true;
        else if (code === 0x22 /* " */) {
          this.inString = false;
          if (this.depth === 1) this.lastDepthOneString = this.capture;
          this.capture = undefined;
          continue;
        }
        if (this.capture !== undefined) this.capture = this.capture.length < 16 ? this.capture + text[index] : undefined;
        continue;
      }
      if (WHITESPACE.has(code)) continue;
      if (this.inEntries && this.depth === 2) {
        if (code === 0x2c /* , */) {
          if (!this.inEntry) throw badRequest(['The request body is not valid JSON: a comma with no entry before it.']);
          this.finishEntry(text.slice(entryStart, index));
          entryStart = -1;
          this.expectingEntry = true;
          this.afterComma = true;
          continue;
        }
        if (code === 0x5d /* ] */) {
          if (this.inEntry) this.finishEntry(text.slice(entryStart, index));
          else if (this.afterComma) throw badRequest(['The request body is not valid JSON: a comma with no entry after it.']);
          entryStart = -1;
          this.inEntries = false;
          this.depth -= 1;
          envelopeStart = index;
          continue;
        }
        if (!this.inEntry) {
          if (!this.expectingEntry) throw badRequest(['The request body is not valid JSON: entries must be separated by commas.']);
          this.startEntry();
          entryStart = index;
        }
      }
      if (code === 0x22) {
        this.inString = true;
        this.capture = this.depth === 1 ? '' : undefined;
      } else if (code === 0x7b /* { */ || code === 0x5b /* [ */) {
        if (code === 0x5b && this.depth === 1 && this.lastDepthOneString === this.field) {
          // The entries array (a later one replaces an earlier, as in JSON.parse): its elements
          // are cut out of the envelope from here to its closing bracket.
          this.depth += 1;
          this.inEntries = true;
          this.expectingEntry = true;
          this.afterComma = false;
          this.entries = [];
          this.addEnvelope(text.slice(envelopeStart, index + 1));
          envelopeStart = -1;
          continue;
        }
        this.depth += 1;
        if (this.depth > MAX_JSON_NESTING) {
          throw badRequest([`The request body nests arrays and objects more than ${MAX_JSON_NESTING} levels deep.`]);
        }
      } else if (code === 0x7d /* } */ || code === 0x5d) {
        this.depth -= 1;
      } else if (this.depth === 1) {
        // A colon, comma or bare value between keys: not a string, so no key to remember past it.
        if (code === 0x2c) this.lastDepthOneString = undefined;
      }
    }
    if (this.inEntry && entryStart >= 0) this.entryPieces.push(text.slice(entryStart));
    if (envelopeStart >= 0) this.addEnvelope(text.slice(envelopeStart));
  }

  /** The parsed body, once all text was pushed; undefined for an empty body. */
  finish(): unknown {
    const envelope = this.envelopePieces.join('');
    if (this.inEntries || this.inEntry) throw badRequest([`The request body is not valid JSON: it ends inside ${this.field}.`]);
    if (envelope.trim() === '') return undefined;
    const body = this.parse(envelope);
    if (body !== null && typeof body === 'object' && !Array.isArray(body) && Array.isArray((body as Record<string, unknown>)[this.field])) {
      (body as Record<string, unknown>)[this.field] = this.entries;
    }
    return body;
  }

  private startEntry(): void {
    this.entryCount += 1;
    if (this.entryCount > this.limits.maxEntries) {
      throw invalidFields({ [this.field]: `must have at most ${this.limits.maxEntries} items` });
    }
    this.inEntry = true;
    this.expectingEntry = false;
    this.afterComma = false;
  }

  private finishEntry(lastPiece: string): void {
    this.entryPieces.push(lastPiece);
    const text = this.entryPieces.length === 1 ? this.entryPieces[0]! : this.entryPieces.join('');
    this.entryPieces = [];
    this.inEntry = false;
    this.entries.push(this.parse(text));
  }

  private addEnvelope(piece: string): void {
    this.envelopeChars += piece.length;
    if (this.envelopeChars > this.limits.maxEnvelopeChars) {
      throw badRequest([`The request body holds more than ${this.limits.maxEnvelopeChars} characters outside its ${this.field}.`]);
    }
    this.envelopePieces.push(piece);
  }
}

/**
 * Replaces the JSON parser of `app`'s context (register the batch route in a context of its own)
 * with the scanner. The route's `bodyLimit` is enforced here, by Content-Length before anything is
 * read and by the bytes counted as they come. Bytes that are not UTF-8 are refused, as by the
 * app's parser (app.ts).
 */
export function registerBatchBodyParser(app: FastifyInstance, limits: BatchBodyLimits): void {
  const defaultParse = app.getDefaultJsonParser('error', 'error');
  const parse: JsonParse = (text) => {
    let result: unknown;
    let failure: Error | undefined;
    // Fastify's parser (prototype poisoning refused) answers synchronously through its callback.
    defaultParse(undefined as unknown as FastifyRequest, text, (error, value) => {
      failure = error ?? undefined;
      result = value;
    });
    if (failure !== undefined) throw failure;
    return result;
  };
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    (request: FastifyRequest, payload: Readable, done: (error: Error | null, body?: unknown) => void) => {
      const limit = request.routeOptions.bodyLimit ?? Number.POSITIVE_INFINITY;
      if (Number(request.headers['content-length']) > limit) {
        done(new BodyTooLarge());
        return;
      }
      const scanner = new BatchBodyScanner(limits, parse);
      const utf8 = new TextDecoder('utf-8', { fatal: true });
      let received = 0;
      let settled = false;
      const settle = (error: Error | null, body?: unknown) => {
        if (settled) return;
        settled = true;
        payload.removeListener('data', onData);
        payload.removeListener('end', onEnd);
        payload.removeListener('error', onError);
        // Refused: the rest is not read (Fastify closes the connection after the answer).
        if (error !== null) payload.pause();
        done(error, body);
      };
      const decode = (chunk?: Buffer): string => {
        try {
          return chunk === undefined ? utf8.decode() : utf8.decode(chunk, { stream: true });
        } catch {
          throw badRequest(['The request body is not valid UTF-8.']);
        }
      };
      const onData = (chunk: Buffer) => {
        received += chunk.length;
        try {
          if (received > limit) throw new BodyTooLarge();
          scanner.push(decode(chunk));
        } catch (error) {
          settle(error as Error);
        }
      };
      const onEnd = () => {
        try {
          scanner.push(decode());
          settle(null, scanner.finish());
        } catch (error) {
          settle(error as Error);
        }
      };
      const onError = (error: Error) => settle(error);
      payload.on('data', onData);
      payload.on('end', onEnd);
      payload.on('error', onError);
    },
  );
}
