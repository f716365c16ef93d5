import { describe, expect, it } from 'vitest';
import { ConfigError, SETTINGS, describeConfig, parseConfig } from '../../src/config.js';

const SECRET = 'short secret';

/** Runs parseConfig and returns the problem lines it reports (failing the test if it does not throw). */
function problemsFor(env: Record<string, string>): readonly string[] {
  try {
    parseConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect((err as ConfigError).message).toBe(problems.join('\n'));
    return problems;
  }
  throw new Error(`parseConfig accepted ${JSON.stringify(env)}`);
}

describe('parseConfig defaults', () => {
  it('gives every default with an empty environment', () => {
    expect(parseConfig({})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      logLevel: 'info',
      rootMessage: 'Hello from hono-api',
      apiMessage: 'Hello from the hono-api API',
      requestTimeoutMs: 10000,
      bodyLimitBytes: 16384,
      drainDelayMs: 0,
      drainQuietMs: 0,
      shutdownTimeoutMs: 15000,
      keepAliveTimeoutMs: 65000,
      metricsEnabled: true,
      metricsPort: 9464,
      serviceName: 'hono-api',
      traceSampleRatio: 1,
    });
  });

  it('treats an empty string as unset (the default applies)', () => {
    const env = Object.fromEntries(Object.values(SETTINGS).map((s) => [s.env, '']));
    expect(parseConfig(env)).toEqual(parseConfig({}));
  });

  it('ignores unrelated variables', () => {
    expect(parseConfig({ PATH: '/usr/bin', HOME: '/root', FOO: 'bar' })).toEqual(parseConfig({}));
  });
});

describe('parseConfig valid values', () => {
  it('parses every setting', () => {
    expect(
      parseConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'debug',
        ROOT_MESSAGE: 'Hi',
        API_MESSAGE: 'Héllo, API ✓',
        REQUEST_TIMEOUT_MS: '500',
        BODY_LIMIT_BYTES: '0',
        DRAIN_DELAY_MS: '1000',
        DRAIN_QUIET_MS: '300',
        DRAIN_MAX_MS: '1200',
        SHUTDOWN_TIMEOUT_MS: '1701',
        KEEP_ALIVE_TIMEOUT_MS: '1000',
        METRICS_ENABLED: '0',
        METRICS_PORT: '0',
        METRICS_AUTH_TOKEN: 'a'.repeat(16),
        METRICS_AUTH_TOKEN_FILE: '/var/run/secrets/hono-api/METRICS_AUTH_TOKEN',
        APP_VERSION: '1.2.3-beta.1',
        GIT_COMMIT: 'abcdef0',
        BUILD_TIME: '2026-01-31T12:00:00+01:00',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability:4318',
        OTEL_SERVICE_NAME: 'hono-api.dev',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      }),
    ).toEqual({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'debug',
      rootMessage: 'Hi',
      apiMessage: 'Héllo, API ✓',
      requestTimeoutMs: 500,
      bodyLimitBytes: 0,
      drainDelayMs: 1000,
      drainQuietMs: 300,
      drainMaxMs: 1200,
      shutdownTimeoutMs: 1701,
      keepAliveTimeoutMs: 1000,
      metricsEnabled: false,
      metricsPort: 0,
      metricsAuthToken: 'a'.repeat(16),
      metricsAuthTokenFile: '/var/run/secrets/hono-api/METRICS_AUTH_TOKEN',
      appVersion: '1.2.3-beta.1',
      gitCommit: 'abcdef0',
      buildTime: '2026-01-31T12:00:00+01:00',
      otlpEndpoint: 'http://otel-collector.observability:4318',
      serviceName: 'hono-api.dev',
      traceSampleRatio: 0.25,
    });
  });

  it.each([
    ['true', true],
    ['1', true],
    ['false', false],
    ['0', false],
  ])('METRICS_ENABLED=%s is %s', (raw, value) => {
    expect(parseConfig({ METRICS_ENABLED: raw }).metricsEnabled).toBe(value);
  });

  it.each([['0'], ['65535']])('accepts PORT=%s at the edge of the range', (port) => {
    expect(parseConfig({ PORT: port }).port).toBe(Number(port));
  });
});

describe('parseConfig invalid values', () => {
  // [variable, bad value, a fragment of what is allowed]
  const cases: [string, string, string][] = [
    ['PORT', 'abc', 'an integer from 0 to 65535'],
    ['PORT', '65536', 'an integer from 0 to 65535'],
    ['PORT', '-1', 'an integer from 0 to 65535'],
    ['PORT', '80.5', 'an integer from 0 to 65535'],
    ['PORT', ' 8080', 'an integer from 0 to 65535'],
    ['HOST', 'bad host!', 'an IP address or host name'],
    ['LOG_LEVEL', 'verbose', 'one of trace, debug, info, warn, error, fatal, silent'],
    ['LOG_LEVEL', 'INFO', 'one of trace, debug, info, warn, error, fatal, silent'],
    ['ROOT_MESSAGE', 'x'.repeat(257), '1 to 256 printable characters'],
    ['ROOT_MESSAGE', 'line1\nline2', '1 to 256 printable characters'],
    ['API_MESSAGE', 'tab\there', '1 to 256 printable characters'],
    ['REQUEST_TIMEOUT_MS', '0', 'an integer from 1 to 300000'],
    ['REQUEST_TIMEOUT_MS', '10s', 'an integer from 1 to 300000'],
    ['BODY_LIMIT_BYTES', '10485761', 'an integer from 0 to 10485760'],
    ['DRAIN_DELAY_MS', '120001', 'an integer from 0 to 120000'],
    ['DRAIN_QUIET_MS', '60001', 'an integer from 0 to 60000'],
    ['DRAIN_MAX_MS', '-1', 'an integer from 0 to 300000'],
    ['SHUTDOWN_TIMEOUT_MS', '99', 'an integer from 100 to 600000'],
    ['KEEP_ALIVE_TIMEOUT_MS', '999', 'an integer from 1000 to 600000'],
    ['METRICS_ENABLED', 'yes', 'true, false, 1 or 0'],
    ['METRICS_PORT', '70000', 'an integer from 0 to 65535, not PORT'],
    ['METRICS_AUTH_TOKEN_FILE', 'secrets/token', 'the absolute path of a file holding the token'],
    ['APP_VERSION', 'v1.2', 'a semantic version'],
    ['GIT_COMMIT', 'ABCDEF0', '7 to 40 lowercase hex digits'],
    ['GIT_COMMIT', 'abc', '7 to 40 lowercase hex digits'],
    ['BUILD_TIME', 'yesterday', 'an ISO 8601 timestamp'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'otel-collector:4318', 'an http(s) URL'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'ftp://collector', 'an http(s) URL'],
    ['OTEL_SERVICE_NAME', 'hono api', '1 to 64 letters'],
    ['OTEL_TRACES_SAMPLER_ARG', '1.5', 'a number from 0 to 1'],
    ['OTEL_TRACES_SAMPLER_ARG', 'half', 'a number from 0 to 1'],
  ];

  it('covers every setting', () => {
    const covered = new Set([...cases.map(([name]) => name), 'METRICS_AUTH_TOKEN']);
    expect([...covered].sort()).toEqual(Object.values(SETTINGS).map((s) => s.env).sort());
  });

  it.each(cases)('%s=%j gives one line naming it, the value and what is allowed', (name, value, allowed) => {
    const problems = problemsFor({ [name]: value });
    expect(problems).toHaveLength(1);
    const line = problems[0]!;
    expect(line.startsWith(`${name}=${JSON.stringify(value)} is invalid: expected `)).toBe(true);
    expect(line).toContain(allowed);
    expect(line).not.toContain('\n');
    expect(line).toMatch(/\(fix: set a valid value or unset it( for the default .+)?\)$/);
  });

  it('names the default in the fix hint for settings that have one', () => {
    expect(problemsFor({ PORT: 'abc' })[0]).toContain('unset it for the default 8080');
    expect(problemsFor({ GIT_COMMIT: 'xyz' })[0]).toMatch(/or unset it\)$/);
  });

  it.each([[SECRET], ['x'.repeat(15)], ['has space in it ok?']])(
    'shows an invalid METRICS_AUTH_TOKEN as <redacted>, never its value',
    (token) => {
      const problems = problemsFor({ METRICS_AUTH_TOKEN: token });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^METRICS_AUTH_TOKEN=<redacted> is invalid: expected 16 to 256 visible ASCII characters/);
      expect(problems[0]).not.toContain(token);
    },
  );

  it('reports every bad variable at once, one line each, in settings order', () => {
    const problems = problemsFor({ PORT: 'abc', LOG_LEVEL: 'loud', METRICS_ENABLED: 'maybe', METRICS_AUTH_TOKEN: SECRET, HOST: 'ok.example' });
    expect(problems).toHaveLength(4);
    expect(problems.map((p) => p.split('=')[0])).toEqual(['PORT', 'LOG_LEVEL', 'METRICS_ENABLED', 'METRICS_AUTH_TOKEN']);
    expect(problems.join('\n')).not.toContain(SECRET);
  });
});

describe('cross-field rule: SHUTDOWN_TIMEOUT_MS > DRAIN_DELAY_MS + REQUEST_TIMEOUT_MS', () => {
  it('rejects a shutdown timeout equal to drain + request timeout', () => {
    const problems = problemsFor({ DRAIN_DELAY_MS: '5000', REQUEST_TIMEOUT_MS: '10000', SHUTDOWN_TIMEOUT_MS: '15000' });
    expect(problems).toEqual([
      'SHUTDOWN_TIMEOUT_MS=15000 is invalid: it must be greater than DRAIN_DELAY_MS (5000) + REQUEST_TIMEOUT_MS (10000) so in-flight requests can finish (fix: raise SHUTDOWN_TIMEOUT_MS above 15000)',
    ]);
  });

  it('rejects a default shutdown timeout once the drain delay eats the margin', () => {
    expect(problemsFor({ DRAIN_DELAY_MS: '6000' })[0]).toMatch(/^SHUTDOWN_TIMEOUT_MS=15000 is invalid: .*DRAIN_DELAY_MS \(6000\)/);
  });

  it('DRAIN_MAX_MS: never below DRAIN_DELAY_MS, and the shutdown timeout must cover it', () => {
    expect(() => parseConfig({ DRAIN_DELAY_MS: '5000', DRAIN_MAX_MS: '4000' })).toThrow(/DRAIN_MAX_MS=4000 is invalid: it caps a drain that lasts at least DRAIN_DELAY_MS \(5000\)/);
    expect(() => parseConfig({ DRAIN_DELAY_MS: '1000', DRAIN_MAX_MS: '30000', SHUTDOWN_TIMEOUT_MS: '35000' })).toThrow(
      'SHUTDOWN_TIMEOUT_MS=35000 is invalid: it must be greater than DRAIN_MAX_MS (30000) + REQUEST_TIMEOUT_MS (10000) so in-flight requests can finish (fix: raise SHUTDOWN_TIMEOUT_MS above 40000)',
    );
    expect(parseConfig({ DRAIN_DELAY_MS: '1000', DRAIN_QUIET_MS: '5000', DRAIN_MAX_MS: '30000', SHUTDOWN_TIMEOUT_MS: '40001' }).drainMaxMs).toBe(30000);
  });

  it('accepts a shutdown timeout 1 ms above the sum', () => {
    expect(parseConfig({ DRAIN_DELAY_MS: '5000', REQUEST_TIMEOUT_MS: '10000', SHUTDOWN_TIMEOUT_MS: '15001' }).shutdownTimeoutMs).toBe(15001);
  });
});

describe('describeConfig', () => {
  it('keys the effective config by variable and redacts the secret', () => {
    const described = describeConfig(parseConfig({ METRICS_AUTH_TOKEN: 'b'.repeat(20), PORT: '1234' }));
    expect(described).toMatchObject({ PORT: 1234, METRICS_AUTH_TOKEN: '<redacted>' });
    expect(JSON.stringify(described)).not.toContain('b'.repeat(20));
  });
});
