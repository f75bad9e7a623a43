import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ErrorCode, isErrorCode } from './error-codes.ts';
import { PosError, isPosError } from './pos-error.ts';

describe('error code registry', () => {
  it('lists the nine founding codes (docs/design.md#error-model)', () => {
    for (const code of [
      'POS_SYNC_UNAUTHORIZED',
      'POS_SYNC_RATE_LIMITED',
      'POS_CATALOG_SNAPSHOT_FAILED',
      'POS_CATALOG_DELTA_FAILED',
      'POS_CATALOG_RECONCILE_FAILED',
      'POS_CATALOG_MANIFEST_TOO_LARGE',
      'POS_SYNC_EVENT_INVALID',
      'POS_SYNC_EVENT_DUPLICATE',
      'POS_SYNC_STORAGE_FAILED',
    ]) {
      expect(isErrorCode(code), code).toBe(true);
    }
  });

  it('names every code after itself and gives it a message', () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect(ErrorCode[code as ErrorCode]).toBe(code);
      expect(code).toMatch(/^POS_[A-Z_]+$/);
      expect(info.message.length).toBeGreaterThan(0);
    }
  });

  it('marks rate limiting and storage failures retryable, invalid events not', () => {
    expect(ERROR_CODES.POS_SYNC_RATE_LIMITED.retryable).toBe(true);
    expect(ERROR_CODES.POS_SYNC_STORAGE_FAILED.retryable).toBe(true);
    expect(ERROR_CODES.POS_SYNC_EVENT_INVALID.retryable).toBe(false);
  });
});

describe('PosError', () => {
  it('carries code, message, details and cause', () => {
    const cause = new Error('disk full');
    const error = new PosError(
      'POS_SYNC_STORAGE_FAILED',
      'write failed',
      { table: 'sales' },
      { cause },
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('PosError');
    expect(error.code).toBe('POS_SYNC_STORAGE_FAILED');
    expect(error.message).toBe('write failed');
    expect(error.details).toEqual({ table: 'sales' });
    expect(error.cause).toBe(cause);
    expect(error.retryable).toBe(true);
  });

  it('defaults the message to the registry message', () => {
    expect(new PosError('POS_NOT_FOUND').message).toBe(ERROR_CODES.POS_NOT_FOUND.message);
  });
});

describe('isPosError', () => {
  it('recognises an error from another realm by name and code', () => {
    const foreign: unknown = runInNewContext(
      `const e = new Error('x'); e.name = 'PosError'; e.code = 'POS_FORBIDDEN'; e`,
    );
    expect(foreign instanceof Error).toBe(false);
    expect(isPosError(foreign)).toBe(true);
  });

  it('refuses look-alikes with an unknown code and ordinary errors', () => {
    expect(isPosError(Object.assign(new Error('x'), { name: 'PosError', code: 'NOPE' }))).toBe(
      false,
    );
    expect(isPosError(new Error('x'))).toBe(false);
    expect(isPosError(null)).toBe(false);
    expect(isPosError('POS_FORBIDDEN')).toBe(false);
  });
});
