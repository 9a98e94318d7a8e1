import { describe, expect, it } from 'vitest';
import { loadCommonConfig } from '../../../services/common/config.js';
import { ConfigError } from '../../../services/common/errors.js';

describe('loadCommonConfig', () => {
  it('has documented defaults and is frozen', () => {
    const c = loadCommonConfig({});
    expect(c.kafkaBrokers).toEqual(['127.0.0.1:9092']);
    expect(c.registryUrl).toBe('http://127.0.0.1:8081/apis/ccompat/v7');
    expect(c.topics.inference).toBe('vigil.inference.v1');
    expect(c.topics.windowMetrics).toBe('vigil.window-metrics.v1');
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.topics)).toBe(true);
  });

  it("defaults follow the native stack's ports", () => {
    const c = loadCommonConfig({
      VIGIL_KAFKA_PORT: '19092',
      VIGIL_REGISTRY_PORT: '18081',
      VIGIL_CLICKHOUSE_PORT: '18123',
    });
    expect(c.kafkaBrokers).toEqual(['127.0.0.1:19092']);
    expect(c.registryUrl).toBe('http://127.0.0.1:18081/apis/ccompat/v7');
    expect(c.clickhouseUrl).toBe('http://127.0.0.1:18123');
  });

  it('reads topic overrides from VIGIL_TOPIC_<NAME>', () => {
    expect(loadCommonConfig({ VIGIL_TOPIC_WINDOW_METRICS: 'wm' }).topics.windowMetrics).toBe('wm');
  });

  it.each([
    [{ VIGIL_KAFKA_BROKERS: 'localhost' }, 'VIGIL_KAFKA_BROKERS'],
    [{ VIGIL_REGISTRY_URL: 'ftp://x' }, 'VIGIL_REGISTRY_URL'],
    [{ VIGIL_CLICKHOUSE_DATABASE: 'a-b' }, 'VIGIL_CLICKHOUSE_DATABASE'],
    [{ VIGIL_TOPIC_DLQ: 'bad topic' }, 'VIGIL_TOPIC_DLQ'],
    [{ VIGIL_LOG_LEVEL: 'loud' }, 'VIGIL_LOG_LEVEL'],
    [{ VIGIL_CONFIG_FILE: '/nonexistent/vigil.json' }, 'VIGIL_CONFIG_FILE'],
  ])('names the bad key %j', (env, key) => {
    try {
      loadCommonConfig(env);
      expect.fail('should have thrown');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).key).toBe(key);
    }
  });
});
