import { ConfigError, describeConfig, loadConfig } from './index';

describe('loadConfig', () => {
  it('gives the embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.database.type).toBe('sqlite');
    expect(config.messaging.bus).toBe('memory');
    expect(config.counters.store).toBe('memory');
    expect(config.filter.dns).toBe('off');
    expect(config.filter.port).toBe(8025);
  });

  it('parses typed values', () => {
    const config = loadConfig({ FILTER_PORT: '9000', KAFKA_BROKERS: 'a:1, b:2', DB_MIGRATIONS_RUN: 'no' });
    expect(config.filter.port).toBe(9000);
    expect(config.messaging.kafkaBrokers).toEqual(['a:1', 'b:2']);
    expect(config.database.migrationsRun).toBe(false);
  });

  it('names the bad key and the problem in one line', () => {
    expect(() => loadConfig({ FILTER_PORT: 'eighty' })).toThrow(
      new ConfigError('FILTER_PORT', 'must be an integer, got "eighty"'),
    );
    expect(() => loadConfig({ DB_TYPE: 'mysql' })).toThrow(
      /DB_TYPE must be one of sqlite, postgres, got "mysql"/,
    );
  });

  it('reports every bad key at once', () => {
    let caught: unknown;
    try {
      loadConfig({ FILTER_PORT: '70000', BUS: 'nats' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as Error).message;
    expect(message).toContain('FILTER_PORT');
    expect(message).toContain('BUS');
    expect(message.split('\n')).toHaveLength(1);
  });

  it('never echoes a secret in its error', () => {
    expect(() => loadConfig({ DB_URL: 'mysql://user:hunter2@db/x' })).toThrow(ConfigError);
    try {
      loadConfig({ DB_URL: 'mysql://user:hunter2@db/x' });
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
  });

  it('documents every key with a default or as required', () => {
    const rows = describeConfig();
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) {
      expect(row.env).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(row.doc.length).toBeGreaterThan(5);
    }
    expect(new Set(rows.map((r) => r.env)).size).toBe(rows.length);
  });
});
