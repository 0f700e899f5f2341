import type { RawRecord } from '../readers.js';
import { clockifyFormat } from './clockify.js';
import { jiraFormat } from './jira.js';
import { kimaiFormat } from './kimai.js';
import { nativeFormat } from './native.js';
import { redmineFormat } from './redmine.js';
import { tempoFormat } from './tempo.js';
import { togglFormat } from './toggl.js';
import type { FormatName, SourceFormat } from './types.js';

/** In detection order: the most specific column sets first (Clockify before Toggl, native last of the CSVs). */
export const FORMATS: readonly SourceFormat[] = [
  clockifyFormat,
  togglFormat,
  kimaiFormat,
  redmineFormat,
  jiraFormat,
  tempoFormat,
  nativeFormat,
];

export const FORMAT_NAMES = FORMATS.map((format) => format.name);

export function formatByName(name: string): SourceFormat | undefined {
  return FORMATS.find((format) => format.name === name);
}

/** The format of a file, from its first record. */
export function detectFormat(first: RawRecord): SourceFormat | undefined {
  return FORMATS.find((format) => format.detect(first));
}

export type { FormatName, SourceFormat };
