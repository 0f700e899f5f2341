import { type Command, InvalidArgumentError, Option } from 'commander';
import type { TrackerClient } from '../client/tracker-client.js';
import type { ClockifySource } from '../importer/live/clockify.js';
import type { JiraSource } from '../importer/live/jira.js';
import type { KimaiSource } from '../importer/live/kimai.js';
import type { RedmineSource } from '../importer/live/redmine.js';
import type { TempoSource } from '../importer/live/tempo.js';
import type { TogglSource } from '../importer/live/toggl.js';
import type { TrackerSource } from '../importer/live/tracker.js';
import type { LiveSource } from '../importer/live/types.js';

/**
 * The options that read time entries from a source's API instead of files (`--source redmine`,
 * `--source tracker`, `--source jira`, ...), shared by `import`, `reconcile` and `sync`; each
 * source kind adds its name here and a LiveSource of its own.
 */
export const LIVE_SOURCE_KINDS = ['redmine', 'tracker', 'jira', 'tempo', 'toggl', 'clockify', 'kimai'] as const;
export type LiveSourceKind = (typeof LIVE_SOURCE_KINDS)[number];

export interface LiveSourceCliOptions {
  source?: LiveSourceKind;
  sourceUrl?: string;
  sourceToken?: string;
  sourceProject?: string;
  sourceOrg?: string;
  sourceCloudOrg?: string;
  sourceWorkspace?: string;
  sourceOwnEntries?: boolean;
  sourceFrom?: string;
  sourceTo?: string;
  sourceEmail?: string;
  sourceJql?: string;
  sourceJiraUrl?: string;
  sourceJiraToken?: string;
}

/** A commander parser for a calendar day (`2024-03-14`). */
export const day =
  (name: string) =>
  (text: string): string => {
    if (
      !/^\d{4}-\d{2}-\d{2}$/.test(text) ||
      Number.isNaN(Date.parse(`${text}T00:00:00Z`)) ||
      new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) !== text
    ) {
      throw new InvalidArgumentError(`${name} takes a day such as 2024-03-14`);
    }
    return text;
  };

export function addLiveSourceOptions(command: Command): Command {
  return command
    .addOption(new Option('--source <kind>', 'read entries from a live source instead of files').choices([...LIVE_SOURCE_KINDS]))
    .option(
      '--source-url <url>',
      "the source's base URL (Redmine: http://redmine.example; Tracker: https://api.tracker.yandex.net; Jira: https://your-domain.atlassian.net; Tempo: https://api.tempo.io; Kimai: https://kimai.example; Toggl and Clockify have defaults)",
    )
    .option('--source-token <token>', "the source's API key or token (default: $TIMEPORT_SOURCE_TOKEN)")
    .option('--source-project <id>', 'Redmine: read only this project (identifier or id); Jira: only this project (key)')
    .option('--source-org <id>', 'Tracker: the source organization, sent as X-Org-ID')
    .option('--source-cloud-org <id>', 'Tracker: the source organization, sent as X-Cloud-Org-ID')
    .option('--source-workspace <id>', 'Toggl, Clockify: the workspace to read')
    .option('--source-own-entries', "Toggl: only the token owner's entries (then a sync reads only what changed, deletions included)")
    .option(
      '--source-from <day>',
      'read entries of this day on (Redmine, Jira, Tempo: the day worked; Tracker: the day written, UTC; Toggl, Clockify, Kimai: the day started; required for Toggl and Clockify)',
      day('--source-from'),
    )
    .option('--source-to <day>', 'read entries up to this day, included', day('--source-to'))
    .option('--source-email <address>', 'Jira Cloud: the account e-mail sent with its API token (default: $TIMEPORT_SOURCE_EMAIL)')
    .option('--source-jql <jql>', 'Jira: read only the worklogs of issues this JQL finds (no ORDER BY)')
    .option('--source-jira-url <url>', 'Tempo: look issue keys up in this Jira (with --source-jira-token, and --source-email on Cloud)')
    .option('--source-jira-token <token>', 'Tempo: the Jira token for --source-jira-url (default: $TIMEPORT_SOURCE_JIRA_TOKEN)');
}

export interface LiveSourceLibrary {
  RedmineSource: typeof RedmineSource;
  TrackerSource: typeof TrackerSource;
  JiraSource: typeof JiraSource;
  TempoSource: typeof TempoSource;
  TrackerClient: typeof TrackerClient;
  TogglSource: typeof TogglSource;
  ClockifySource: typeof ClockifySource;
  KimaiSource: typeof KimaiSource;
}

/** Hosted services' URLs, used when --source-url is not given. */
const DEFAULT_SOURCE_URLS: Partial<Record<LiveSourceKind, string>> = {
  toggl: 'https://api.track.toggl.com',
  clockify: 'https://reports.api.clockify.me',
};

/**
 * The live source the options name, or undefined for files; throws a usage message (the caller's
 * error type) when the options do not fit together.
 */
export function liveSourceFrom(
  lib: LiveSourceLibrary,
  files: string[],
  options: LiveSourceCliOptions,
  refuse: (message: string) => Error,
  /** Where a source says what it skips, what a run costs and what it waits for. */
  report: (line: string) => void = (line) => console.error(line),
): LiveSource | undefined {
  const given = (
    [
      'sourceUrl',
      'sourceToken',
      'sourceProject',
      'sourceOrg',
      'sourceCloudOrg',
      'sourceWorkspace',
      'sourceOwnEntries',
      'sourceFrom',
      'sourceTo',
      'sourceEmail',
      'sourceJql',
      'sourceJiraUrl',
      'sourceJiraToken',
    ] as const
  ).filter((name) => options[name] !== undefined);
  const flag = (name: string) => `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
  if (options.source === undefined) {
    if (given.length > 0) throw refuse(`${given.map(flag).join(', ')} need --source (${LIVE_SOURCE_KINDS.join(' or ')})`);
    if (files.length === 0) throw refuse('give the files to read, or --source with its options');
    return undefined;
  }
  if (files.length > 0) throw refuse(`give files or --source ${options.source}, not both`);
  const url = options.sourceUrl ?? DEFAULT_SOURCE_URLS[options.source];
  if (url === undefined) throw refuse(`--source ${options.source} needs --source-url`);
  const token = options.sourceToken ?? (process.env.TIMEPORT_SOURCE_TOKEN || undefined);
  if (token === undefined) throw refuse(`--source ${options.source} needs --source-token or TIMEPORT_SOURCE_TOKEN`);
  if (options.sourceFrom !== undefined && options.sourceTo !== undefined && options.sourceFrom > options.sourceTo) {
    throw refuse(`--source-from ${options.sourceFrom} is after --source-to ${options.sourceTo}`);
  }
  const only = (allowed: readonly (typeof given)[number][]) => {
    const foreign = given.filter((name) => !['sourceUrl', 'sourceToken', 'sourceFrom', 'sourceTo', ...allowed].includes(name));
    if (foreign.length > 0) throw refuse(`${foreign.map(flag).join(', ')} do not apply to --source ${options.source}`);
  };
  if (options.source === 'toggl' || options.source === 'clockify') {
    only(options.source === 'toggl' ? ['sourceWorkspace', 'sourceOwnEntries'] : ['sourceWorkspace']);
    if (options.sourceWorkspace === undefined) throw refuse(`--source ${options.source} needs --source-workspace`);
    if (options.sourceFrom === undefined) throw refuse(`--source ${options.source} needs --source-from: its reports read a range of days`);
    const window = { from: options.sourceFrom, to: options.sourceTo };
    return options.source === 'toggl'
      ? new lib.TogglSource({ url, token, workspace: options.sourceWorkspace, window, ownEntries: options.sourceOwnEntries, report })
      : new lib.ClockifySource({ url, apiKey: token, workspace: options.sourceWorkspace, window, report });
  }
  if (options.source === 'kimai') {
    only([]);
    return new lib.KimaiSource({ url, token, window: { from: options.sourceFrom, to: options.sourceTo }, report });
  }
  if (options.source === 'redmine') {
    only(['sourceProject']);
    return new lib.RedmineSource({
      url,
      apiKey: token,
      project: options.sourceProject,
      window: { from: options.sourceFrom, to: options.sourceTo },
    });
  }
  const email = options.sourceEmail ?? (process.env.TIMEPORT_SOURCE_EMAIL || undefined);
  if (options.source === 'jira') {
    only(['sourceProject', 'sourceJql', 'sourceEmail']);
    return new lib.JiraSource({
      url,
      email,
      token,
      project: options.sourceProject,
      jql: options.sourceJql,
      window: { from: options.sourceFrom, to: options.sourceTo },
    });
  }
  if (options.source === 'tempo') {
    only(['sourceJiraUrl', 'sourceJiraToken', 'sourceEmail']);
    const jiraToken = options.sourceJiraToken ?? (process.env.TIMEPORT_SOURCE_JIRA_TOKEN || undefined);
    if (options.sourceJiraUrl === undefined && (options.sourceJiraToken !== undefined || options.sourceEmail !== undefined))
      throw refuse('--source-jira-token and --source-email need --source-jira-url (the Jira to look issue keys up in)');
    let jira: { url: string; email: string | undefined; token: string } | undefined;
    if (options.sourceJiraUrl !== undefined) {
      if (jiraToken === undefined) throw refuse('--source-jira-url needs --source-jira-token or TIMEPORT_SOURCE_JIRA_TOKEN');
      jira = { url: options.sourceJiraUrl, email, token: jiraToken };
    }
    return new lib.TempoSource({ url, token, window: { from: options.sourceFrom, to: options.sourceTo }, jira });
  }
  only(['sourceOrg', 'sourceCloudOrg']);
  if ((options.sourceOrg === undefined) === (options.sourceCloudOrg === undefined))
    throw refuse('--source tracker needs exactly one of --source-org and --source-cloud-org');
  const client = new lib.TrackerClient({ baseUrl: url, token, orgId: options.sourceOrg, cloudOrgId: options.sourceCloudOrg });
  const dayStart = (text: string) => Date.parse(`${text}T00:00:00Z`);
  return new lib.TrackerSource({
    client,
    orgLabel: options.sourceOrg === undefined ? `cloud ${options.sourceCloudOrg}` : `org ${options.sourceOrg}`,
    fromMs: options.sourceFrom === undefined ? undefined : dayStart(options.sourceFrom),
    toMs: options.sourceTo === undefined ? undefined : dayStart(options.sourceTo) + 86_400_000,
  });
}
