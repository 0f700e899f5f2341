// Timeport's web page: sign in with a token, read the time-spent report as a table, a chart and a
// CSV file, and manage import batches. Plain JavaScript, no build step; it calls only this server.
// Every value from the server is put into the page as text (textContent), never as HTML.

const SESSION_KEY = 'timeport.session';
const REPORT_PATH = '/timeport/v1/reports/time-spent';
const IMPORTS_PATH = '/timeport/v1/imports';

const $ = (selector) => document.querySelector(selector);
let session = readSession();
let chart;

function readSession() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
    return saved && typeof saved.token === 'string' && typeof saved.org === 'string' ? saved : undefined;
  } catch {
    return undefined;
  }
}

/** Calls the API as the signed-in user; answers the Response, or throws with Tracker's messages. */
async function api(path, init = {}) {
  const response = await fetch(path, {
    ...init,
    headers: { Authorization: `OAuth ${session.token}`, 'X-Org-ID': session.org, ...(init.headers ?? {}) },
  });
  if (!response.ok) throw await apiError(response);
  return response;
}

async function apiError(response) {
  let text = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    const fields = Object.entries(body.errors ?? {}).map(([field, message]) => `${field}: ${message}`);
    const messages = (body.errorMessages ?? []).filter(
      (message) => fields.length === 0 || !/invalid (fields|query parameters)/i.test(message),
    );
    text = [...messages, ...fields].join('\n') || text;
  } catch {
    // Not JSON: keep the status line.
  }
  return Object.assign(new Error(text), { status: response.status });
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = String(text);
  if (className !== undefined) node.className = className;
  return node;
}

// ---- signing in -------------------------------------------------------------------------------

async function signIn(token, org) {
  session = { token, org };
  const me = await (await api('/v3/myself')).json();
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  showApp(me);
}

function signOut() {
  sessionStorage.removeItem(SESSION_KEY);
  session = undefined;
  chart?.destroy();
  chart = undefined;
  $('#app').hidden = true;
  $('#sign-in-section').hidden = false;
  $('#whoami').hidden = true;
  $('#sign-out').hidden = true;
}

function showApp(me) {
  $('#sign-in-section').hidden = true;
  $('#app').hidden = false;
  $('#whoami').textContent = `${me.display} (${me.login}) · organization ${session.org}`;
  $('#whoami').hidden = false;
  $('#sign-out').hidden = false;
  void showReport();
  void showImports();
}

$('#sign-in').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  $('#sign-in-error').textContent = '';
  try {
    await signIn(String(form.get('token')).trim(), String(form.get('org')).trim());
  } catch (error) {
    session = undefined;
    $('#sign-in-error').textContent = error.message;
  }
});
$('#sign-out').addEventListener('click', signOut);

// ---- the report -------------------------------------------------------------------------------

const isoDate = (date) =>
  `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;

function setUpFilters() {
  const today = new Date();
  const filters = $('#filters');
  filters.from.value = isoDate(new Date(today.getFullYear(), today.getMonth(), 1));
  filters.to.value = isoDate(today);
  filters.tz.value = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC'];
  $('#zones').replaceChildren(...['UTC', ...zones].map((zone) => Object.assign(document.createElement('option'), { value: zone })));
}

/** The report's query string for a grouping, from the filter form. */
function reportQuery(groupBy, format) {
  const filters = $('#filters');
  const query = new URLSearchParams({
    from: filters.from.value,
    to: filters.to.value,
    tz: filters.tz.value.trim() || 'UTC',
    by: filters.by.value,
  });
  for (const name of ['queue', 'issue', 'user']) {
    const value = filters[name].value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean)
      .join(',');
    if (value !== '') query.set(name, value);
  }
  if (groupBy.length > 0) query.set('groupBy', groupBy.join(','));
  if (format !== undefined) query.set('format', format);
  return query;
}

function tableGrouping() {
  const filters = $('#filters');
  const dimensions = [...filters.querySelectorAll('input[name=groupBy]:checked')].map((input) => input.value);
  return filters.period.value === '' ? dimensions : [filters.period.value, ...dimensions];
}

const hours = (seconds) => (seconds / 3600).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const COLUMN_TITLES = { user: 'User', issue: 'Issue', queue: 'Queue', day: 'Day', week: 'Week', month: 'Month' };
const cellText = (dimension, value) =>
  dimension === 'user'
    ? `${value.display} (${value.login})`
    : dimension === 'issue' || dimension === 'queue'
      ? `${value.key} ${value.display}`
      : value;

async function showReport() {
  $('#report-error').textContent = '';
  const groupBy = tableGrouping();
  const filters = $('#filters');
  try {
    const [table, series] = await Promise.all([
      api(`${REPORT_PATH}?${reportQuery(groupBy)}`).then((response) => response.json()),
      api(`${REPORT_PATH}?${reportQuery([filters.interval.value, filters.stack.value])}`).then((response) => response.json()),
    ]);
    renderTable(table);
    renderChart(series, filters.interval.value, filters.stack.value);
  } catch (error) {
    $('#report-error').textContent = error.message;
  }
}

function renderTable(report) {
  const { total, rows, groupBy } = report;
  $('#total').textContent =
    `Total: ${total.duration} · ${hours(total.seconds)} h · ${total.count} ${total.count === 1 ? 'entry' : 'entries'}`;
  const head = element('tr');
  for (const dimension of groupBy) head.append(element('th', COLUMN_TITLES[dimension]));
  head.append(element('th', 'Duration'), element('th', 'Hours', 'number'), element('th', 'Entries', 'number'));
  $('#report-table thead').replaceChildren(head);
  const body = rows.map((row) => {
    const line = element('tr');
    for (const dimension of groupBy) line.append(element('td', cellText(dimension, row[dimension])));
    line.append(element('td', row.duration), element('td', hours(row.seconds), 'number'), element('td', row.count, 'number'));
    return line;
  });
  if (body.length === 0) {
    const empty = element('td', 'No time logged in this period.', 'muted');
    empty.colSpan = groupBy.length + 3;
    const line = element('tr');
    line.append(empty);
    body.push(line);
  }
  $('#report-table tbody').replaceChildren(...body);
}

/** Every day from..to (a continuous axis), when the period is short enough to draw one bar a day. */
function daysBetween(from, to) {
  const days = [];
  const cursor = new Date(`${from}T00:00:00Z`);
  const end = new Date(`${to}T00:00:00Z`);
  while (cursor <= end && days.length <= 400) {
    days.push(cursor.toISOString().slice(0, 10));
    cursor.setUTCDate(cursor.getUTCDate() + 1);
  }
  return days.length > 400 ? undefined : days;
}

const PALETTE = ['#2759c9', '#e07b39', '#3a9d5d', '#b8406f', '#7a5cc7', '#c9a227', '#2a9bb3', '#8c564b', '#5b6475', '#d4477a'];

function renderChart(report, interval, stack) {
  const filters = $('#filters');
  const present = [...new Set(report.rows.map((row) => row[interval]))].sort();
  const labels = interval === 'day' ? (daysBetween(filters.from.value, filters.to.value) ?? present) : present;
  const series = new Map();
  for (const row of report.rows) {
    const who = row[stack];
    const key = stack === 'user' ? who.login : who.key;
    if (!series.has(key)) series.set(key, { label: stack === 'user' ? who.display : `${who.key} ${who.display}`, values: new Map() });
    series.get(key).values.set(row[interval], row.seconds / 3600);
  }
  const datasets = [...series.values()].map((entry, index) => ({
    label: entry.label,
    data: labels.map((label) => entry.values.get(label) ?? 0),
    backgroundColor: PALETTE[index % PALETTE.length],
  }));
  const config = {
    type: 'bar',
    data: { labels, datasets },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: 'hours' } } },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${item.parsed.y.toFixed(2)} h` } },
      },
    },
  };
  if (typeof window.Chart !== 'function') return;
  chart?.destroy();
  chart = new window.Chart($('#chart'), config);
}

$('#filters').addEventListener('submit', (event) => {
  event.preventDefault();
  void showReport();
});

$('#download-csv').addEventListener('click', async () => {
  $('#report-error').textContent = '';
  try {
    const response = await api(`${REPORT_PATH}?${reportQuery(tableGrouping(), 'csv')}`);
    const name = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') ?? '')?.[1] ?? 'time-spent.csv';
    const url = URL.createObjectURL(await response.blob());
    const link = Object.assign(document.createElement('a'), { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (error) {
    $('#report-error').textContent = error.message;
  }
});

// ---- import batches ---------------------------------------------------------------------------

const userText = (user) =>
  user === undefined || user === null ? '' : typeof user === 'object' ? (user.display ?? user.login ?? user.id) : user;
const countsText = (counts) =>
  counts === null || typeof counts !== 'object'
    ? String(counts ?? '')
    : Object.entries(counts)
        .map(([name, value]) => `${name}: ${value}`)
        .join(', ');

async function showImports() {
  const status = $('#imports-status');
  const table = $('#imports-table');
  table.hidden = true;
  status.textContent = 'Loading…';
  let batches;
  try {
    batches = await (await api(IMPORTS_PATH)).json();
  } catch (error) {
    status.textContent =
      error.status === 404
        ? 'Import batches are not available on this server.'
        : error.status === 403
          ? 'Import batches are shown to organization administrators.'
          : error.message;
    return;
  }
  status.textContent = batches.length === 0 ? 'No import batches yet.' : '';
  const rows = batches.map((batch) => {
    const row = element('tr');
    row.dataset.batchId = String(batch.id);
    const state = batch.rolledBackAt ? `rolled back ${batch.rolledBackAt}` : 'imported';
    row.append(
      element('td', batch.id),
      element('td', batch.createdAt),
      element('td', userText(batch.createdBy)),
      element('td', batch.source ?? ''),
      element('td', countsText(batch.counts)),
      element('td', state),
    );
    const action = element('td');
    if (!batch.rolledBackAt) {
      const button = element('button', 'Roll back');
      button.type = 'button';
      button.addEventListener('click', () => rollBack(batch, button));
      action.append(button);
    }
    row.append(action);
    return row;
  });
  table.querySelector('tbody').replaceChildren(...rows);
  table.hidden = batches.length === 0;
}

async function rollBack(batch, button) {
  if (!window.confirm(`Roll back import batch ${batch.id}? Its time entries are removed.`)) return;
  button.disabled = true;
  try {
    await api(`${IMPORTS_PATH}/${encodeURIComponent(batch.id)}`, { method: 'DELETE' });
    await showImports();
    $('#imports-status').textContent = `Batch ${batch.id} was rolled back.`;
    await showReport();
  } catch (error) {
    button.disabled = false;
    $('#imports-status').textContent = error.message;
  }
}

// ---- start ------------------------------------------------------------------------------------

setUpFilters();
if (session !== undefined) {
  api('/v3/myself')
    .then((response) => response.json())
    .then(showApp, signOut);
}
