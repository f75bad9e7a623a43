import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SALE_BOUNDS } from '../schema/index.ts';
import { parseServerConfig, saleBoundsOf } from './config.ts';

describe('server configuration', () => {
  it('leaves rate limits per instance unless POS_REDIS_URL is set', () => {
    expect(parseServerConfig({}, {}).redisUrl).toBeUndefined();
    expect(parseServerConfig({}, { POS_REDIS_URL: '' }).redisUrl).toBeUndefined();
    expect(parseServerConfig({}, { POS_REDIS_URL: 'redis://:pw@cache:6379/2' }).redisUrl).toBe(
      'redis://:pw@cache:6379/2',
    );
    expect(parseServerConfig({ redisUrl: 'rediss://cache:6380' }, {}).redisUrl).toBe(
      'rediss://cache:6380',
    );
  });

  it('reports a POS_REDIS_URL that is not a redis URL together with the other problems', () => {
    expect(() =>
      parseServerConfig({}, { POS_REDIS_URL: 'cache:6379', POS_RATE_LIMIT_BURST: '0' }),
    ).toThrow(
      /POS_RATE_LIMIT_BURST[\s\S]*POS_REDIS_URL \(redisUrl\): a redis:\/\/ or rediss:\/\/ URL/,
    );
  });

  it('bounds pushed sales by default and takes wider bounds from the environment', () => {
    expect(saleBoundsOf(parseServerConfig({}, {}))).toEqual(DEFAULT_SALE_BOUNDS);
    const config = parseServerConfig(
      {},
      {
        POS_SALE_MAX_AGE: '800d',
        POS_SALE_MAX_AHEAD: '3d',
        POS_SALE_MAX_EVENT_ID_JUMP: '5000000',
      },
    );
    expect(saleBoundsOf(config)).toEqual({
      maxAgeMs: 800 * 86_400_000,
      maxAheadMs: 3 * 86_400_000,
      maxEventIdJump: 5_000_000,
    });
    expect(() => parseServerConfig({}, { POS_SALE_MAX_AGE: '1h' })).toThrow(/POS_SALE_MAX_AGE/);
  });

  it('reads the exposure, origin, timeout and connection options from the environment', () => {
    const defaults = parseServerConfig({}, {});
    expect(defaults).toMatchObject({
      corsOrigins: [],
      requestTimeoutMs: 30_000,
      wsMaxPerTerminal: 4,
    });
    expect(defaults.introspection).toBeUndefined();
    const set = parseServerConfig(
      {},
      {
        POS_CORS_ORIGINS: 'https://office.example, https://shop.example',
        POS_REQUEST_TIMEOUT: '20s',
        POS_INTROSPECTION: 'true',
        POS_WS_MAX_PER_TERMINAL: '2',
      },
    );
    expect(set).toMatchObject({
      corsOrigins: ['https://office.example', 'https://shop.example'],
      requestTimeoutMs: 20_000,
      introspection: true,
      wsMaxPerTerminal: 2,
    });
    expect(() => parseServerConfig({}, { POS_CORS_ORIGINS: 'not an origin' })).toThrow(
      /POS_CORS_ORIGINS/,
    );
  });

  it('reads the root token from POS_ADMIN_TOKEN_FILE or --admin-token-file, flags over environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pos-config-'));
    try {
      const file = join(dir, 'root-token');
      writeFileSync(file, 'file-token-0123456789\n');
      expect(parseServerConfig({}, { POS_ADMIN_TOKEN_FILE: file }).adminToken).toBe(
        'file-token-0123456789',
      );
      expect(parseServerConfig({ adminTokenFile: file }, {}).adminToken).toBe(
        'file-token-0123456789',
      );
      const envToken = { POS_ADMIN_TOKEN: 'env-token-0123456789' };
      expect(parseServerConfig({ adminTokenFile: file }, envToken).adminToken).toBe(
        'file-token-0123456789',
      );
      expect(
        parseServerConfig({ adminToken: 'flag-token-0123456789' }, { POS_ADMIN_TOKEN_FILE: file })
          .adminToken,
      ).toBe('flag-token-0123456789');
      expect(() =>
        parseServerConfig({}, { ...envToken, POS_ADMIN_TOKEN_FILE: file, POS_PORT: 'x' }),
      ).toThrow(/POS_ADMIN_TOKEN_FILE \(adminTokenFile\): give the root token once[\s\S]*POS_PORT/);
      expect(() => parseServerConfig({ adminTokenFile: join(dir, 'missing') }, {})).toThrow(
        /POS_ADMIN_TOKEN_FILE \(adminTokenFile\): cannot read/,
      );
      writeFileSync(file, 'short\n');
      expect(() => parseServerConfig({ adminTokenFile: file }, {})).toThrow(/at least 16/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
