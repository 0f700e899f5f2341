/** Answers are serialized by their response schema: undeclared fields dropped, the rest as the handler built them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { Type } from 'typebox';
import { projectorFor, serializerCompiler } from '../../src/api/serialization.js';
import { TrackerError } from '../../src/api/schemas/errors.js';
import { WorklogObject } from '../../src/api/schemas/resources.js';
import { TimeSpentReportObject } from '../../src/api/schemas/timeport.js';

const serialize = (schema: unknown, value: unknown): string =>
  serializerCompiler({ schema, method: 'GET', url: '/', httpStatus: '200' })(value);

describe('answers serialized by their schema', () => {
  it('drops fields the schema does not declare, at every depth, and keeps the order they were built in', () => {
    const schema = Type.Object({
      b: Type.String(),
      a: Type.Optional(Type.Integer()),
      nested: Type.Object({ kept: Type.Boolean() }),
      list: Type.Array(Type.Object({ id: Type.Integer() })),
    });
    const text = serialize(schema, {
      a: 1,
      secret: 'hash',
      b: 'x',
      nested: { kept: true, password: 'p' },
      list: [{ id: 1, token: 't' }, { id: 2 }],
      skipped: undefined,
    });
    assert.equal(text, '{"a":1,"b":"x","nested":{"kept":true},"list":[{"id":1},{"id":2}]}');
  });

  it('writes what JSON.stringify writes for a value the schema describes fully', () => {
    const worklog = {
      self: 'http://tracker.test/v3/issues/A-1/worklog/1',
      id: 1,
      version: 1,
      issue: { self: 'http://tracker.test/v3/issues/A-1', id: '63fee9e0f8b95c910cd8556c', key: 'A-1', display: 'An "issue"\n' },
      comment: 'in the middle, as Tracker writes it',
      createdBy: { self: 'u', id: '1', display: 'Admin', cloudUid: 'c', passportUid: 1 },
      updatedBy: { self: 'u', id: '1', display: 'Admin' },
      createdAt: '2025-01-01T00:00:00.000+0000',
      updatedAt: '2025-01-01T00:00:00.000+0000',
      start: '2025-01-01T00:00:00.000+0000',
      duration: 'PT1H',
    };
    assert.equal(serialize(WorklogObject, worklog), JSON.stringify(worklog));
    assert.equal(
      serialize(Type.Array(WorklogObject), [worklog, { ...worklog, comment: undefined }]),
      JSON.stringify([worklog, { ...worklog, comment: undefined }]),
    );
  });

  it("keeps records whole (an error's fields), open objects and values of any shape", () => {
    const error = {
      errors: { 'entries[2].comment': 'is too long', start: 'must be a date-time' },
      errorsData: {},
      errorMessages: ['No.'],
      statusCode: 422,
    };
    assert.equal(serialize(TrackerError, error), JSON.stringify(error));
    assert.deepEqual(projectorFor(Type.Object({}, { additionalProperties: true }))({ any: [1, { b: 2 }] }), { any: [1, { b: 2 }] });
    assert.deepEqual(projectorFor(Type.Object({ details: Type.Unknown() }))({ details: { deep: { x: 1 } } }), {
      details: { deep: { x: 1 } },
    });
  });

  it("keeps the report's dimensions in the order the request named them", () => {
    const report = {
      from: 'f',
      to: 't',
      tz: 'UTC',
      by: 'start',
      groupBy: ['queue', 'user'],
      total: { duration: 'PT1H', seconds: 3600, count: 1 },
      rows: [
        {
          queue: { id: '1', key: 'Q', display: 'Queue' },
          user: { id: '1', login: 'a', display: 'A' },
          duration: 'PT1H',
          seconds: 3600,
          count: 1,
        },
      ],
    };
    assert.equal(serialize(TimeSpentReportObject, report), JSON.stringify(report));
  });

  it('is what an app built with it answers with', async () => {
    const app = Fastify();
    app.setSerializerCompiler(serializerCompiler);
    app.get('/', { schema: { response: { 200: Type.Object({ shown: Type.String() }) } } }, async () => ({ hidden: 'no', shown: 'yes' }));
    const response = await app.inject({ method: 'GET', url: '/' });
    assert.equal(response.body, '{"shown":"yes"}');
    await app.close();
  });
});
