/** 100 imports into one issue at once: every one answered 200, distinct ids, `spent` exact. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestApp } from '../../support/app.js';
import { buildAppWithIssue, type IssueBody, type WorklogBody, getIssue, listAllWorklogs, postWorklog, worklogBody } from './fixtures.js';

const SECONDS = { W: 40 * 3600, D: 8 * 3600, H: 3600, M: 60, S: 1 } as const;

/** The i-th duration: a mix of units, so the sum crosses every carry of the business calendar. */
function durationOf(i: number): { text: string; seconds: number } {
  switch (i % 5) {
    case 0:
      return { text: `PT${i + 1}M`, seconds: (i + 1) * SECONDS.M };
    case 1:
      return { text: `PT${i}S`, seconds: i * SECONDS.S };
    case 2:
      return { text: `PT${(i % 9) + 1}H${i % 60}M`, seconds: ((i % 9) + 1) * SECONDS.H + (i % 60) * SECONDS.M };
    case 3:
      return { text: `P${(i % 4) + 1}D`, seconds: ((i % 4) + 1) * SECONDS.D };
    default:
      return { text: `P1WT${i}S`, seconds: SECONDS.W + i };
  }
}

describe('100 concurrent imports into one issue', () => {
  let t: TestApp;
  let issue: IssueBody;

  before(async () => {
    ({ t, issue } = await buildAppWithIssue());
  });
  after(() => t.close());

  it('answers all 200 with distinct ids, and spent is exactly the sum', async () => {
    const durations = Array.from({ length: 100 }, (_, i) => durationOf(i));
    const responses = await Promise.all(
      durations.map((duration, i) =>
        postWorklog(t, issue.key, worklogBody({ duration: duration.text, comment: `entry ${i}`, createdBy: 'admin' })),
      ),
    );
    for (const response of responses) assert.equal(response.statusCode, 200, response.body);
    const bodies = responses.map((response) => response.json<WorklogBody>());
    assert.equal(new Set(bodies.map((body) => body.id)).size, 100);
    // Each answer is the entry that was sent.
    bodies.forEach((body, i) => assert.equal(body.comment, `entry ${i}`));

    const totalSeconds = durations.reduce((sum, duration) => sum + duration.seconds, 0);
    // Worked out separately: 4,774,400 s = 33 W 0 D 6 H 13 M 20 S on the business calendar.
    assert.equal(totalSeconds, 4_774_400);
    const after = await getIssue(t, issue.key);
    assert.equal(after.spent, 'P33WT6H13M20S');
    assert.equal(after.version, 1);
    assert.equal(after.updatedAt, issue.updatedAt);

    const listed = await listAllWorklogs(t, issue.key, 30);
    assert.equal(listed.length, 100);
    assert.deepEqual(
      listed.map((worklog) => worklog.id),
      bodies.map((body) => body.id).sort((a, b) => a - b),
    );
    const rows = await t.store.db.selectFrom('worklogs').select('durationSeconds').where('issueId', '=', issue.id).execute();
    assert.equal(
      rows.reduce((sum, row) => sum + row.durationSeconds, 0),
      totalSeconds,
    );
  });
});
