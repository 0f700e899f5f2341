/** Shared assertions for the domain tests. Not a test file itself (no `.test.ts` suffix). */
import assert from 'node:assert/strict';
import type { Parsed } from '../../src/domain/result.js';
import type { Checked, FieldErrors } from '../../src/domain/worklog-rules.js';

/** Asserts a parse succeeded and returns its value. */
export function expectParsed<T>(result: Parsed<T>, context = ''): T {
  if (!result.ok) assert.fail(`expected success${context ? ` for ${context}` : ''}, got refusal: ${result.error}`);
  return result.value;
}

/** Asserts a parse was refused with a non-empty message and returns the message. */
export function expectRefused<T>(result: Parsed<T>, context = ''): string {
  if (result.ok) {
    assert.fail(`expected refusal${context ? ` for ${context}` : ''}, got value ${JSON.stringify(result.value)}`);
  }
  assert.equal(typeof result.error, 'string');
  assert.ok(result.error.length > 0, 'the refusal message must not be empty');
  return result.error;
}

/** Asserts a rule check passed and returns its value. */
export function expectChecked<T>(result: Checked<T>): T {
  if (!result.ok) assert.fail(`expected the check to pass, got errors: ${JSON.stringify(result.errors)}`);
  return result.value;
}

/** Asserts a rule check failed and returns its field errors, each a non-empty string. */
export function expectErrors<T>(result: Checked<T>): FieldErrors {
  if (result.ok) assert.fail(`expected the check to fail, got value ${JSON.stringify(result.value)}`);
  const fields = Object.keys(result.errors);
  assert.ok(fields.length > 0, 'a failed check must name at least one field');
  for (const field of fields) {
    const message: string | undefined = result.errors[field];
    assert.equal(typeof message, 'string', `errors.${field} must be a string`);
    assert.ok(message!.length > 0, `errors.${field} must not be empty`);
  }
  return result.errors;
}

/** Asserts the failed check names exactly these fields (order ignored). */
export function assertErrorFields(errors: FieldErrors, fields: string[]): void {
  assert.deepEqual(Object.keys(errors).sort(), [...fields].sort());
}
