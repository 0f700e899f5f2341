/** Shared assertions for the domain tests. Not a test file itself (no `.test.ts` suffix). */
import assert from 'node:assert/strict';
import type { FieldErrors, FieldRefusal, Result } from '../../src/domain/result.js';

/** Asserts a parse succeeded and returns its value. */
export function expectParsed<T>(result: Result<T>, context = ''): T {
  if (!result.ok) assert.fail(`expected success${context ? ` for ${context}` : ''}, got refusal: ${result.error}`);
  return result.value;
}

/** Asserts a parse was refused with a non-empty message and returns the message. */
export function expectRefused<T>(result: Result<T>, context = ''): string {
  if (result.ok) {
    assert.fail(`expected refusal${context ? ` for ${context}` : ''}, got value ${JSON.stringify(result.value)}`);
  }
  assert.equal(typeof result.error, 'string');
  assert.ok(result.error.length > 0, 'the refusal message must not be empty');
  return result.error;
}

/** Asserts a rule check passed and returns its value. */
export function expectChecked<T>(result: Result<T, FieldRefusal>): T {
  if (!result.ok) assert.fail(`expected the check to pass, got refusal: ${JSON.stringify(result.error)}`);
  return result.value;
}

/** Asserts a rule check failed and returns its field errors, each a non-empty string. */
export function expectErrors<T>(result: Result<T, FieldRefusal>): FieldErrors {
  if (result.ok) assert.fail(`expected the check to fail, got value ${JSON.stringify(result.value)}`);
  const errors = result.error.fieldErrors;
  const fields = Object.keys(errors);
  assert.ok(fields.length > 0, 'a failed check must name at least one field');
  for (const field of fields) {
    const message: string | undefined = errors[field];
    assert.equal(typeof message, 'string', `errors.${field} must be a string`);
    assert.ok(message!.length > 0, `errors.${field} must not be empty`);
  }
  return errors;
}

/** Asserts the failed check names exactly these fields (order ignored). */
export function assertErrorFields(errors: FieldErrors, fields: string[]): void {
  assert.deepEqual(Object.keys(errors).sort(), [...fields].sort());
}
