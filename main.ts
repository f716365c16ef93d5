/**
 * The composition root: validates the configuration, picks the environments, builds the stacks.
 *
 *   npm run synth                                # every environment
 *   ENVIRONMENTS=dev npm run synth               # or: cdktf synth --context environments=dev
 *   STATE_BACKEND=local cdktf deploy state       # bootstrap (see README)
 *   IMAGE_TAG=1.4.0 ENVIRONMENTS=prod npm run synth   # deploy a released image (the deploy workflow)
 *   cdktf synth --context rootMessage="Hi"           # override the service's messages (ops set-message)
 */
import { App } from 'cdktf';
import { platformConfig, withImageTag, withMessages } from './stacks/config/environments.js';
import { ConfigValidationError, selectEnvironments, validatePlatformConfig } from './stacks/config/validate.js';
import type { BackendKind } from './stacks/constructs/backend.js';
import { PolicyViolationError } from './stacks/constructs/policy-aspect.js';
import { definePlatform } from './stacks/platform.js';

function stateBackend(value: unknown): BackendKind {
  if (value === undefined || value === '' || value === 's3') return 's3';
  if (value === 'local') return 'local';
  throw new ConfigValidationError([`STATE_BACKEND = ${JSON.stringify(value)}: expected "s3" or "local" (fix: unset it, or "local" only to bootstrap the state stack)`]);
}

try {
  const app = new App();
  const context = (key: string) => app.node.tryGetContext(key) as string | undefined;
  const tagged = withImageTag(platformConfig, process.env.IMAGE_TAG ?? context('imageTag'));
  const config = validatePlatformConfig(withMessages(tagged, { rootMessage: context('rootMessage'), apiMessage: context('apiMessage') }));
  definePlatform(app, {
    config,
    environments: selectEnvironments(process.env.ENVIRONMENTS ?? context('environments'), config),
    stateBackend: stateBackend(process.env.STATE_BACKEND ?? context('stateBackend')),
  });
  app.synth();
} catch (err) {
  if (err instanceof ConfigValidationError || err instanceof PolicyViolationError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
