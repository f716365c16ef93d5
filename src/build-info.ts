/**
 * What was built: the version, git commit and build time. The esbuild bundle bakes them in through
 * `define` (see scripts/build.ts); an environment variable of the same meaning overrides them, and
 * `npm run dev` falls back to package.json's version through npm's environment.
 */
import type { ServiceConfig } from './config.js';

declare const __BUILD_VERSION__: string | undefined;
declare const __BUILD_COMMIT__: string | undefined;
declare const __BUILD_TIME__: string | undefined;

export interface BuildInfo {
  readonly version: string;
  readonly commit: string;
  readonly buildTime: string;
}

const baked = {
  version: typeof __BUILD_VERSION__ === 'string' ? __BUILD_VERSION__ : undefined,
  commit: typeof __BUILD_COMMIT__ === 'string' ? __BUILD_COMMIT__ : undefined,
  buildTime: typeof __BUILD_TIME__ === 'string' ? __BUILD_TIME__ : undefined,
};

export function resolveBuildInfo(
  config: Pick<ServiceConfig, 'appVersion' | 'gitCommit' | 'buildTime'>,
  env: Record<string, string | undefined> = process.env,
): BuildInfo {
  return {
    version: config.appVersion ?? baked.version ?? env.npm_package_version ?? '0.0.0-dev',
    commit: config.gitCommit ?? baked.commit ?? 'unknown',
    buildTime: config.buildTime ?? baked.buildTime ?? 'unknown',
  };
}
