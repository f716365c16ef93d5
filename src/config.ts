/**
 * Service configuration: every setting comes from an environment variable, is parsed once at
 * start, and an invalid value fails with a message that names the variable, the bad value and
 * what is allowed. Defaults make `npm run dev` work with nothing set.
 */
// zod/mini: the same parser as zod with a tree-shakable API; full zod was 443 KiB of a 546 KiB bundle.
import * as z from 'zod/mini';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

interface Setting<T> {
  /** Environment variable that carries the setting. */
  readonly env: string;
  readonly schema: z.ZodMiniType<T>;
  /** Raw default, parsed like a user-supplied value; undefined means "optional, no default". */
  readonly default?: string;
  /** Human description of the accepted values, used in error messages. */
  readonly allowed: string;
  /** Secret settings are never echoed: not in errors, not on /config. */
  readonly secret?: boolean;
}

const integer = (min: number, max: number) =>
  z.pipe(
    z.string().check(z.regex(/^\d+$/)),
    z.pipe(
      z.transform((v: string) => Number(v)),
      z.number().check(z.minimum(min), z.maximum(max)),
    ),
  );

const boolean = z.pipe(
  z.enum(['true', 'false', '1', '0']),
  z.transform((v: 'true' | 'false' | '1' | '0') => v === 'true' || v === '1'),
);

/** Printable, single-line text without control characters. */
const message = z.string().check(z.minLength(1), z.maxLength(256), z.regex(/^[^\p{Cc}]+$/u));

const pattern = (re: RegExp) => z.string().check(z.regex(re));

/** What a metrics bearer token may be, from METRICS_AUTH_TOKEN or the file METRICS_AUTH_TOKEN_FILE names. */
export const METRICS_TOKEN = /^[\x21-\x7e]{16,256}$/;

/** Declares a setting; the overloads keep "has a default" in the type, which makes the field required. */
function setting<T>(s: Setting<T> & { default: string }): Setting<T> & { default: string };
function setting<T>(s: Setting<T>): Setting<T>;
function setting<T>(s: Setting<T>): Setting<T> {
  return s;
}

/** The table of settings: the single source for parsing, defaults, docs and redaction. */
export const SETTINGS = {
  port: setting({
    env: 'PORT',
    schema: integer(0, 65535),
    default: '8080',
    allowed: 'an integer from 0 to 65535 (0 picks a free port)',
  }),
  host: setting({
    env: 'HOST',
    schema: pattern(/^[0-9A-Za-z.:-]{1,253}$/),
    default: '0.0.0.0',
    allowed: 'an IP address or host name to bind, e.g. 0.0.0.0 or 127.0.0.1',
  }),
  logLevel: setting({
    env: 'LOG_LEVEL',
    schema: z.enum(LOG_LEVELS),
    default: 'info',
    allowed: `one of ${LOG_LEVELS.join(', ')}`,
  }),
  rootMessage: setting({
    env: 'ROOT_MESSAGE',
    schema: message,
    default: 'Hello from hono-api',
    allowed: '1 to 256 printable characters',
  }),
  apiMessage: setting({
    env: 'API_MESSAGE',
    schema: message,
    default: 'Hello from the hono-api API',
    allowed: '1 to 256 printable characters',
  }),
  requestTimeoutMs: setting({
    env: 'REQUEST_TIMEOUT_MS',
    schema: integer(1, 300_000),
    default: '10000',
    allowed: 'milliseconds, an integer from 1 to 300000',
  }),
  bodyLimitBytes: setting({
    env: 'BODY_LIMIT_BYTES',
    schema: integer(0, 10 * 1024 * 1024),
    default: '16384',
    allowed: 'bytes, an integer from 0 to 10485760',
  }),
  drainDelayMs: setting({
    env: 'DRAIN_DELAY_MS',
    schema: integer(0, 120_000),
    default: '0',
    allowed: 'milliseconds, an integer from 0 to 120000',
  }),
  drainQuietMs: setting({
    env: 'DRAIN_QUIET_MS',
    schema: integer(0, 60_000),
    default: '0',
    allowed: 'milliseconds, an integer from 0 to 60000 (0: stop accepting right at DRAIN_DELAY_MS)',
  }),
  drainMaxMs: setting({
    env: 'DRAIN_MAX_MS',
    schema: integer(0, 300_000),
    allowed: 'milliseconds, an integer from 0 to 300000, at least DRAIN_DELAY_MS (unset: DRAIN_DELAY_MS + DRAIN_QUIET_MS)',
  }),
  shutdownTimeoutMs: setting({
    env: 'SHUTDOWN_TIMEOUT_MS',
    schema: integer(100, 600_000),
    default: '15000',
    allowed: 'milliseconds, an integer from 100 to 600000',
  }),
  keepAliveTimeoutMs: setting({
    env: 'KEEP_ALIVE_TIMEOUT_MS',
    // Above the AWS ALB idle timeout (60 s) so the load balancer, not Node, closes idle sockets.
    schema: integer(1000, 600_000),
    default: '65000',
    allowed: 'milliseconds, an integer from 1000 to 600000',
  }),
  metricsEnabled: setting({
    env: 'METRICS_ENABLED',
    schema: boolean,
    default: 'true',
    allowed: 'true, false, 1 or 0',
  }),
  metricsPort: setting({
    env: 'METRICS_PORT',
    schema: integer(0, 65535),
    default: '9464',
    allowed: 'an integer from 0 to 65535, not PORT (0 picks a free port): /metrics and /config are served here, never on PORT',
  }),
  metricsAuthToken: setting({
    env: 'METRICS_AUTH_TOKEN',
    schema: pattern(METRICS_TOKEN),
    allowed: '16 to 256 visible ASCII characters, or unset to serve /metrics without a token',
    secret: true,
  }),
  metricsAuthTokenFile: setting({
    env: 'METRICS_AUTH_TOKEN_FILE',
    schema: pattern(/^\/[^\0\n]{1,4095}$/),
    allowed: 'the absolute path of a file holding the token, re-read on every scrape so a rotated Secret needs no restart (wins over METRICS_AUTH_TOKEN), or unset',
  }),
  otlpEndpoint: setting({
    env: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    schema: pattern(/^https?:\/\/[^\s/?#]+(?::\d+)?(\/[^\s?#]*)?$/),
    allowed: 'an http(s) URL of an OTLP/HTTP collector such as http://otel-collector:4318, or unset to turn tracing off',
  }),
  serviceName: setting({
    env: 'OTEL_SERVICE_NAME',
    schema: pattern(/^[A-Za-z0-9._-]{1,64}$/),
    default: 'hono-api',
    allowed: '1 to 64 letters, digits, dots, hyphens or underscores',
  }),
  traceSampleRatio: setting({
    env: 'OTEL_TRACES_SAMPLER_ARG',
    schema: z.pipe(
      z.string().check(z.regex(/^(0(\.\d+)?|1(\.0+)?)$/)),
      z.transform((v: string) => Number(v)),
    ),
    default: '1',
    allowed: 'the share of new traces to sample, a number from 0 to 1 (parent-based: an incoming sampled trace is always kept)',
  }),
  appVersion: setting({
    env: 'APP_VERSION',
    schema: pattern(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/),
    allowed: 'a semantic version such as 1.2.3',
  }),
  gitCommit: setting({
    env: 'GIT_COMMIT',
    schema: pattern(/^[0-9a-f]{7,40}$/),
    allowed: 'a git commit hash, 7 to 40 lowercase hex digits',
  }),
  buildTime: setting({
    env: 'BUILD_TIME',
    schema: z.iso.datetime({ offset: true }),
    allowed: 'an ISO 8601 timestamp such as 2026-01-31T12:00:00Z',
  }),
} as const;

type Settings = typeof SETTINGS;
type ValueOf<K extends keyof Settings> = Settings[K] extends Setting<infer T> ? T : never;
type Required_<K extends keyof Settings> = Settings[K] extends { default: string } ? K : never;

export type ServiceConfig = { [K in keyof Settings as Required_<K>]: ValueOf<K> } & {
  [K in keyof Settings as Exclude<K, Required_<K>>]?: ValueOf<K>;
};

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

const show = (s: Setting<unknown>, raw: string) => (s.secret ? '<redacted>' : JSON.stringify(raw));

/**
 * Parses the environment into a typed config. Collects every bad variable before failing, so one
 * run tells the operator everything that needs fixing.
 */
export function parseConfig(env: Record<string, string | undefined>): ServiceConfig {
  const config: Record<string, unknown> = {};
  const problems: string[] = [];

  for (const [key, s] of Object.entries(SETTINGS) as [string, Setting<unknown>][]) {
    const supplied = env[s.env];
    const raw = supplied === undefined || supplied === '' ? s.default : supplied;
    if (raw === undefined) continue;
    const result = s.schema.safeParse(raw);
    if (result.success) config[key] = result.data;
    else {
      const fallback = s.default === undefined ? 'unset it' : `unset it for the default ${s.default}`;
      problems.push(`${s.env}=${show(s, raw)} is invalid: expected ${s.allowed} (fix: set a valid value or ${fallback})`);
    }
  }

  if (problems.length === 0) {
    const c = config as ServiceConfig;
    if (c.metricsPort !== 0 && c.metricsPort === c.port) {
      problems.push(`METRICS_PORT=${c.metricsPort} is invalid: it is also PORT, and /metrics must not be served where the load balancer sends traffic (fix: choose another port, e.g. the default 9464)`);
    }
    if (c.drainMaxMs !== undefined && c.drainMaxMs < c.drainDelayMs) {
      problems.push(`DRAIN_MAX_MS=${c.drainMaxMs} is invalid: it caps a drain that lasts at least DRAIN_DELAY_MS (${c.drainDelayMs}) (fix: set it to ${c.drainDelayMs} or more, or unset it)`);
    }
    const drain = Math.max(c.drainDelayMs, c.drainMaxMs ?? c.drainDelayMs + c.drainQuietMs);
    const name = drain > c.drainDelayMs ? (c.drainMaxMs !== undefined ? `DRAIN_MAX_MS (${drain})` : `DRAIN_DELAY_MS + DRAIN_QUIET_MS (${drain})`) : `DRAIN_DELAY_MS (${drain})`;
    if (c.shutdownTimeoutMs <= drain + c.requestTimeoutMs) {
      problems.push(
        `SHUTDOWN_TIMEOUT_MS=${c.shutdownTimeoutMs} is invalid: it must be greater than ${name} + REQUEST_TIMEOUT_MS (${c.requestTimeoutMs}) so in-flight requests can finish (fix: raise SHUTDOWN_TIMEOUT_MS above ${drain + c.requestTimeoutMs})`,
      );
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return config as ServiceConfig;
}

/** The effective configuration with secret settings redacted, keyed by environment variable. */
export function describeConfig(config: ServiceConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(SETTINGS) as [keyof Settings, Setting<unknown>][]) {
    const value = config[key];
    if (value === undefined) continue;
    out[s.env] = s.secret ? '<redacted>' : value;
  }
  return out;
}
