/**
 * A replay of the official Python client, yandex_tracker_client 2.x
 * (docs/tracker-api.md §Official client), over real HTTP: the same paths, headers, bodies and
 * retries, and the same decoding of the answers. Not a test file itself (no `.test.ts` suffix).
 *
 * What it reproduces, and where the Python code does it:
 * - connection.py: session headers (`Authorization: OAuth ...`, `X-Org-Id` or `not provided`,
 *   `Content-Type: application/json` on every request, requests' own `User-Agent`, `Accept`,
 *   `Accept-Encoding`, `Connection`), `If-Match: "<version>"`, `json.dumps` bodies, up to
 *   `retries` repeats on a 5xx, the exception class by status, `decode_response`: an empty body is
 *   `None`, every object with `self` becomes an object known by the path of its `self`, a list
 *   with `Link: rel="next"` becomes a paginated list that re-sends the same method, body and
 *   headers to the next URL's path and query.
 * - collections.py: collection paths with the empty `{id}` slot (a trailing slash), the fields
 *   load before any issue attribute, `issues.create` with a random `unique` and its 409 fallback
 *   to `_findByUnique`, `issues.find`'s body with every criterion, `worklog.update`/`delete`.
 * - uriutils.py: the `self` path to collection matcher (segments `[\w\-.]+`, prefix match).
 * - exceptions.py: `str(exc)` sorts `errors.items()` and appends `errorMessages`.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';

/** What requests 2.31 sends on its own. */
export const REQUESTS_HEADERS = {
  'User-Agent': 'python-requests/2.31.0',
  'Accept-Encoding': 'gzip, deflate',
  Accept: '*/*',
  Connection: 'keep-alive',
} as const;

export interface ClientOptions {
  /** The server's origin, e.g. `http://127.0.0.1:1234` (the client joins absolute paths to it). */
  baseUrl: string;
  token: string;
  orgId?: string;
  cloudOrgId?: string;
  apiVersion?: 'v2' | 'v3';
  retries?: number;
}

/** One request as it went over the wire, for assertions about what the client sent. */
export interface SentRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** yandex_tracker_client.exceptions: the class by status, and `__str__`. */
export class TrackerServerError extends Error {
  constructor(
    readonly className: string,
    readonly statusCode: number,
    readonly reason: string,
    readonly errors: Record<string, string> | undefined,
    readonly errorMessages: string[] | undefined,
  ) {
    super(className);
    this.name = className;
  }

  /** `str(exc)` as the Python client prints it; throws where Python would crash. */
  toPythonString(): string {
    const lines: string[] = [];
    if (this.className === 'TrackerServerError') lines.push(`(${this.statusCode}) ${this.reason}`);
    if (this.errors !== undefined && this.errors !== null && Object.keys(this.errors).length > 0) {
      // sorted(self.errors.items()): a list here would crash the client.
      if (Array.isArray(this.errors) || typeof this.errors !== 'object') throw new TypeError('errors is not a dict');
      for (const [key, message] of Object.entries(this.errors).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        lines.push(`- ${key}: ${message}`);
    }
    if (this.errorMessages !== undefined && this.errorMessages !== null && this.errorMessages.length > 0) {
      if (!Array.isArray(this.errorMessages)) throw new TypeError('errorMessages is not a list');
      lines.push(...this.errorMessages);
    }
    return lines.join('\n');
  }
}

export class OutOfRetries extends TrackerServerError {}

const STATUS_CODES: Record<number, string> = {
  400: 'BadRequest',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  412: 'PreconditionFailed',
  422: 'UnprocessableEntity',
  428: 'PreconditionRequired',
};

/** uriutils.Matcher with the collections Timeport serves, in the client's priority order. */
const COLLECTION_PATTERNS: [string, RegExp][] = [
  // priority 1
  ['IssueWorklog', /^[\w\-.]+\/issues\/[\w\-.]+\/worklog\/[\w\-.]+/],
  ['IssueComments', /^[\w\-.]+\/issues\/[\w\-.]+\/comments\/[\w\-.]+/],
  // priority 0
  ['Users', /^[\w\-.]+\/users\/[\w\-.]+/],
  ['Issues', /^[\w\-.]+\/issues\/[\w\-.]+/],
  ['Queues', /^[\w\-.]+\/queues\/[\w\-.]+/],
  ['Fields', /^[\w\-.]+\/fields\/[\w\-.]+/],
  ['Worklog', /^[\w\-.]+\/worklog\/[\w\-.]+/],
  ['Statuses', /^[\w\-.]+\/statuses\/[\w\-.]+/],
  ['IssueTypes', /^[\w\-.]+\/issuetypes\/[\w\-.]+/],
  ['Priorities', /^[\w\-.]+\/priorities\/[\w\-.]+/],
  ['Resolutions', /^[\w\-.]+\/resolutions\/[\w\-.]+/],
];

/** `match_collection(path)`: the collection a `self` path belongs to, or `Unknown`. */
export function matchCollection(path: string): string {
  const stripped = path.replace(/^\/+|\/+$/g, '');
  return COLLECTION_PATTERNS.find(([, pattern]) => pattern.test(stripped))?.[0] ?? 'Unknown';
}

/** `json.dumps` with Python's defaults: `", "` and `": "` separators, non-ASCII escaped. */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string')
    return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (value instanceof TrackerObject) return pythonJsonDumps(encodeResource(value));
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([key, item]) => `${pythonJsonDumps(key)}: ${pythonJsonDumps(item)}`)
    .join(', ')}}`;
}

/** connection.encode_resource: an object sent as a value becomes `{key}`, `{uid}`, `{url}` or `{id}`. */
function encodeResource(object: TrackerObject): Record<string, unknown> {
  for (const attribute of ['key', 'uid', 'url', 'id']) {
    if (attribute in object.value) return { [attribute]: object.value[attribute] };
  }
  throw new Error('UnencodableValue');
}

/** requests' urlencode of `params`: None dropped, lists repeated. */
function encodeParams(params: Record<string, unknown> | undefined): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === null || value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** A decoded object: `Resource` at the top level, `Reference` inside; both keep only the path of `self`. */
export class TrackerObject {
  readonly collection: string;
  constructor(
    private readonly client: PythonTrackerClient,
    readonly path: string,
    readonly value: Record<string, unknown>,
  ) {
    this.collection = matchCollection(path);
  }

  get version(): unknown {
    return this.value.version;
  }

  /** `Reference.__getattr__`: the value's own field, or the field after a GET of the object's path. */
  async attribute(name: string): Promise<unknown> {
    if (name in this.value) return this.value[name];
    const target = await this.client.request('GET', this.path);
    if (!(target instanceof TrackerObject)) throw new Error(`dereferencing ${this.path} gave ${String(target)}`);
    return target.value[name];
  }
}

type Decoded = TrackerObject | TrackerObject[] | PaginatedList | Record<string, unknown> | null;

/** objects.PaginatedList: the head page, then each `next` with the original method, body and headers. */
export class PaginatedList {
  constructor(
    private readonly client: PythonTrackerClient,
    readonly head: TrackerObject[],
    private readonly nextPath: string,
    private readonly original: { method: string; body: string | undefined; headers: Record<string, string> },
  ) {}

  async all(): Promise<TrackerObject[]> {
    const items = [...this.head];
    let next: string | undefined = this.nextPath;
    let pages = 0;
    while (next !== undefined) {
      const page = await this.client.send(this.original.method, next, this.original.body, this.original.headers);
      if (page instanceof PaginatedList) {
        items.push(...page.head);
        next = page.nextPath;
      } else if (Array.isArray(page)) {
        items.push(...page);
        next = undefined;
      } else {
        throw new Error(`a next page of ${next} is not a list`);
      }
      pages += 1;
      if (pages > 10_000) throw new Error('the pages never end');
    }
    return items;
  }
}

/** The official client over HTTP, with a log of what it sent. */
export class PythonTrackerClient {
  readonly sent: SentRequest[] = [];
  /** How many answers were 5xx (each one makes the client send the request again). */
  serverErrors = 0;
  private fields: Map<string, unknown> | undefined;
  readonly version: 'v2' | 'v3';
  private readonly sessionHeaders: Record<string, string>;
  /** requests.Session keeps connections alive between requests; so does this agent. */
  private readonly agent = new http.Agent({ keepAlive: true });

  constructor(private readonly options: ClientOptions) {
    this.version = options.apiVersion ?? 'v2';
    this.sessionHeaders = {
      ...REQUESTS_HEADERS,
      Authorization: `OAuth ${options.token || 'not provided'}`,
      'X-Org-Id': options.orgId ?? 'not provided',
      'Content-Type': 'application/json',
      ...(options.cloudOrgId === undefined ? {} : { 'X-Cloud-Org-Id': options.cloudOrgId }),
    };
  }

  /** `Connection.request`: headers, If-Match, json.dumps, retries, decode_response. */
  async request(
    method: string,
    path: string,
    options: { params?: Record<string, unknown>; data?: unknown; version?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Decoded> {
    const headers: Record<string, string> = { ...this.sessionHeaders, ...options.headers };
    if (options.version !== undefined && options.version !== null) headers['If-Match'] = `"${String(options.version)}"`;
    const body = options.data === undefined ? undefined : pythonJsonDumps(options.data);
    return this.send(method, path + encodeParams(options.params), body, headers);
  }

  /** Sends one request as requests would and decodes the answer, retrying on a 5xx. */
  async send(method: string, pathAndQuery: string, body: string | undefined, headers: Record<string, string>): Promise<Decoded> {
    const retries = this.options.retries ?? 10;
    let response: { status: number; reason: string; headers: http.IncomingHttpHeaders; body: string } | undefined;
    for (let attempt = 0; attempt < Math.max(retries + 1, 1); attempt += 1) {
      response = await this.raw(method, pathAndQuery, body, headers);
      if (response.status < 500) break;
      this.serverErrors += 1;
    }
    const answered = response!;
    if (answered.status >= 400) {
      let parsed: { errors?: Record<string, string>; errorMessages?: string[] } = {};
      try {
        parsed = JSON.parse(answered.body) as typeof parsed;
      } catch {
        // The Python client keeps errors and errorMessages at None for a body that is not JSON.
      }
      const className = answered.status >= 500 ? 'OutOfRetries' : (STATUS_CODES[answered.status] ?? 'TrackerServerError');
      const ErrorClass = answered.status >= 500 ? OutOfRetries : TrackerServerError;
      throw new ErrorClass(className, answered.status, answered.reason, parsed.errors, parsed.errorMessages);
    }
    return this.decode(answered, { method, body, headers });
  }

  private decode(
    response: { headers: http.IncomingHttpHeaders; body: string },
    original: { method: string; body: string | undefined; headers: Record<string, string> },
  ): Decoded {
    if (response.body === '') return null;
    // response.json(object_hook=decode_object): every object with `self`, at any depth.
    const decoded = JSON.parse(response.body, (_key, value: unknown) => {
      if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'self' in value) {
        const self = (value as { self: unknown }).self;
        if (typeof self !== 'string') throw new Error(`self is not a string: ${JSON.stringify(self)}`);
        return new TrackerObject(this, new URL(self, 'http://unused.invalid').pathname, value as Record<string, unknown>);
      }
      return value;
    }) as unknown;
    if (decoded instanceof TrackerObject) return decoded;
    if (Array.isArray(decoded)) {
      // `Resource(conn, item._path, item._value) for item in decoded`: an item without self crashes.
      const items = decoded.map((item) => {
        if (!(item instanceof TrackerObject)) throw new Error(`AttributeError: list item without self: ${JSON.stringify(item)}`);
        return item;
      });
      const links = parseLinks(response.headers.link);
      if (links.next === undefined) return items;
      if (links.seek !== undefined) throw new Error('rel="seek" needs X-Total-Count, X-Total-Pages and a {&page} template');
      const next = new URL(links.next, 'http://unused.invalid');
      return new PaginatedList(this, items, next.pathname + next.search, original);
    }
    return decoded as Record<string, unknown>;
  }

  private raw(
    method: string,
    pathAndQuery: string,
    body: string | undefined,
    headers: Record<string, string>,
  ): Promise<{ status: number; reason: string; headers: http.IncomingHttpHeaders; body: string }> {
    // requests sends Content-Length: 0 on a body-less POST, PATCH, PUT or DELETE, and none on GET.
    const outgoing = { ...headers };
    if (body !== undefined) outgoing['Content-Length'] = String(Buffer.byteLength(body));
    else if (method !== 'GET' && method !== 'HEAD') outgoing['Content-Length'] = '0';
    this.sent.push({ method, path: pathAndQuery, headers: outgoing, body });
    const url = new URL(pathAndQuery, this.options.baseUrl);
    return new Promise((resolve, reject) => {
      const request = http.request(url, { method, headers: outgoing, agent: this.agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            reason: response.statusMessage ?? '',
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      });
      request.on('error', reject);
      request.end(body);
    });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  // --- The client's API, as a script would call it ---

  private collectionPath(template: string, slots: Record<string, string> = {}): string {
    return template.replace(/\{(\w+)\}/g, (_match, name: string) => (name === 'api_version' ? this.version : (slots[name] ?? '')));
  }

  /** `client.myself`: always `/v2/myself`. */
  myself(): Promise<Decoded> {
    return this.request('GET', '/v2/myself');
  }

  /** `client.issues[key]`. */
  async issue(key: string): Promise<TrackerObject> {
    return expectObject(await this.request('GET', this.collectionPath('/{api_version}/issues/{id}', { id: key })));
  }

  /**
   * `issue.<field>` for a field the issue may leave out: the fields list is loaded once (GET
   * /fields/), a field missing from the issue reads as None, or [] for an array type.
   */
  async issueField(issue: TrackerObject, name: string): Promise<unknown> {
    if (this.fields === undefined) {
      const list = await this.request('GET', this.collectionPath('/{api_version}/fields/{id}'));
      const fields = list instanceof PaginatedList ? await list.all() : expectList(list);
      this.fields = new Map(
        fields.map((field) => {
          const schema = field.value.schema as { type: unknown };
          return [String(field.value.id), schema.type === 'array' ? [] : null];
        }),
      );
    }
    if (this.fields.has(name)) return name in issue.value ? issue.value[name] : this.fields.get(name);
    if (name in issue.value) return issue.value[name];
    throw new Error(`AttributeError: ${name}`);
  }

  /** `issue.worklog.create(start=, duration=, comment=None)`. */
  createWorklog(issueKey: string, fields: { start: string; duration: string; comment?: string | null }): Promise<Decoded> {
    return this.request('POST', this.collectionPath('/{api_version}/issues/{issue}/worklog/{id}', { issue: issueKey }), {
      data: { start: fields.start, duration: fields.duration, comment: fields.comment ?? null },
    });
  }

  /** `issue.worklog.get_all(**params)`; `list(...)` of it is `all()` on the answer. */
  async listWorklogs(issueKey: string, params: Record<string, unknown> = {}): Promise<TrackerObject[]> {
    const answer = await this.request('GET', this.collectionPath('/{api_version}/issues/{issue}/worklog/{id}', { issue: issueKey }), {
      params,
    });
    return answer instanceof PaginatedList ? answer.all() : expectList(answer);
  }

  /** The first page only, as a script that does not iterate would see it. */
  async worklogPage(issueKey: string, params: Record<string, unknown>): Promise<Decoded> {
    return this.request('GET', this.collectionPath('/{api_version}/issues/{issue}/worklog/{id}', { issue: issueKey }), { params });
  }

  /** `issue.worklog[id]`. */
  async worklog(issueKey: string, id: number): Promise<TrackerObject> {
    return expectObject(
      await this.request('GET', this.collectionPath('/{api_version}/issues/{issue}/worklog/{id}', { issue: issueKey, id: String(id) })),
    );
  }

  /** `obj.update(**fields)`: PATCH its path with If-Match, then the object becomes the answer. */
  async update(object: TrackerObject, fields: Record<string, unknown>, ignoreVersionChange = false): Promise<TrackerObject> {
    return expectObject(
      await this.request('PATCH', object.path, { data: fields, version: ignoreVersionChange ? undefined : object.version }),
    );
  }

  /** `obj.delete()`. */
  delete(object: TrackerObject): Promise<Decoded> {
    return this.request('DELETE', object.path);
  }

  /** `_connection.post(path=.../worklogs/_import, data=...)`, what `import_object` sends. */
  importWorklog(issueKey: string, fields: Record<string, unknown>): Promise<Decoded> {
    return this.request('POST', this.collectionPath('/{api_version}/issues/{issue}/worklogs/_import', { issue: issueKey }), {
      data: fields,
    });
  }

  /** `client.worklog.find(**params)`: the kwargs go into the query string. */
  async findWorklogs(params: Record<string, unknown>): Promise<TrackerObject[]> {
    const answer = await this.request('GET', this.collectionPath('/{api_version}/worklog/{id}'), { params });
    return answer instanceof PaginatedList ? answer.all() : expectList(answer);
  }

  /** `client.issues.create(**fields)`: a random `unique`, and on 409 the issue found by it. */
  async createIssue(fields: Record<string, unknown>): Promise<TrackerObject> {
    const data = { ...fields, unique: fields.unique ?? randomBytes(16).toString('hex') };
    try {
      return expectObject(await this.request('POST', this.collectionPath('/{api_version}/issues/{id}'), { data }));
    } catch (error) {
      if (error instanceof TrackerServerError && error.className === 'Conflict') {
        return expectObject(
          await this.request('POST', this.collectionPath('/{api_version}/issues/_findByUnique'), { params: { unique: data.unique } }),
        );
      }
      throw error;
    }
  }

  /** `client.issues.find(query=None, per_page=None, keys=None, filter=None, ...)`, iterated. */
  async findIssues(criteria: { keys?: unknown; filter?: unknown; queue?: unknown; perPage?: number }): Promise<TrackerObject[]> {
    const data = {
      filter: criteria.filter ?? null,
      filterId: null,
      query: null,
      keys: criteria.keys ?? null,
      queue: criteria.queue ?? null,
      order: null,
    };
    const answer = await this.request('POST', this.collectionPath('/{api_version}/issues/_search'), {
      params: { perPage: criteria.perPage },
      data,
    });
    return answer instanceof PaginatedList ? answer.all() : expectList(answer);
  }
}

function parseLinks(header: string | string[] | undefined): Record<string, string> {
  const links: Record<string, string> = {};
  const text = Array.isArray(header) ? header.join(', ') : (header ?? '');
  for (const match of text.matchAll(/<([^>]*)>\s*;\s*rel="?([^";]+)"?/g)) links[match[2]!] = match[1]!;
  return links;
}

export function expectObject(decoded: Decoded): TrackerObject {
  if (!(decoded instanceof TrackerObject)) throw new Error(`expected an object with self, got ${JSON.stringify(decoded)}`);
  return decoded;
}

export function expectList(decoded: Decoded): TrackerObject[] {
  if (!Array.isArray(decoded)) throw new Error(`expected a list, got ${JSON.stringify(decoded)}`);
  return decoded;
}
