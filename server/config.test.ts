import { describe, expect, it } from 'vitest';
import { parseServerConfig } from './config.ts';

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
});
