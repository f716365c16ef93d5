/**
 * The composition root: validates the configuration, picks the environments, builds the stacks.
 *
 *   npm run synth                                # every environment
 *   ENVIRONMENTS=dev npm run synth               # or: cdktf synth --context environments=dev
 *   STATE_BACKEND=local cdktf deploy state       # bootstrap (see README)
 *   IMAGE_TAG=1.4.0 ENVIRONMENTS=prod npm run synth   # deploy a released image (the deploy workflow)
 *   cdktf synth --context rootMessage="Hi"           # override the service's messages (ops set-message)
 *   ENVIRONMENTS=local LOCAL_KUBECONFIG=… npm run synth  # app-local: dev's app on a kubeconfig cluster (kind, the local control plane)
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App } from 'cdktf';
import { platformConfig, withImageTag, withMessages } from './stacks/config/environments.js';
import { ConfigValidationError, selectEnvironments, validatePlatformConfig } from './stacks/config/validate.js';
import type { BackendKind } from './stacks/constructs/backend.js';
import { PolicyViolationError } from './stacks/constructs/policy-aspect.js';
import { type LocalTarget, LocalAppStack } from './stacks/local-app-stack.js';
import { definePlatform } from './stacks/platform.js';

/** The kubeconfig cluster of the local app stack, from LOCAL_KUBECONFIG, LOCAL_KUBE_CONTEXT, LOCAL_IMAGE_REPOSITORY, LOCAL_NODE_POOL and LOCAL_NAMESPACE. */
function localTarget(env: NodeJS.ProcessEnv): LocalTarget {
  const kubeconfig = env.LOCAL_KUBECONFIG || env.KUBECONFIG || path.join(os.homedir(), '.kube', 'config');
  if (!existsSync(kubeconfig))
    throw new ConfigValidationError([`LOCAL_KUBECONFIG = ${JSON.stringify(kubeconfig)}: no such file (fix: point it at the kubeconfig of the cluster to deploy to, e.g. the one \`npm run cluster -- kubeconfig\` prints)`]);
  const problems: string[] = [];
  const pool = env.LOCAL_NODE_POOL ? /^([a-z0-9.-]+\/)?[A-Za-z0-9][-A-Za-z0-9_.]{0,62}=[A-Za-z0-9]?[-A-Za-z0-9_.]{0,62}$/.exec(env.LOCAL_NODE_POOL) : undefined;
  if (env.LOCAL_NODE_POOL && !pool)
    problems.push(`LOCAL_NODE_POOL = ${JSON.stringify(env.LOCAL_NODE_POOL)}: expected a node label as key=value (fix: e.g. LOCAL_NODE_POOL=hono-api.dev/real-node=true for the offline harness's real node, or unset it)`);
  if (env.LOCAL_NAMESPACE && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(env.LOCAL_NAMESPACE))
    problems.push(`LOCAL_NAMESPACE = ${JSON.stringify(env.LOCAL_NAMESPACE)}: not a Kubernetes namespace name (fix: lowercase letters, digits and '-', at most 63, or unset it for the environment's namespace)`);
  if (problems.length > 0) throw new ConfigValidationError(problems);
  const [key, value] = pool ? [pool[0].slice(0, pool[0].indexOf('=')), pool[0].slice(pool[0].indexOf('=') + 1)] : [];
  return {
    kubeconfig: path.resolve(kubeconfig),
    ...(env.LOCAL_KUBE_CONTEXT ? { context: env.LOCAL_KUBE_CONTEXT } : {}),
    imageRepository: env.LOCAL_IMAGE_REPOSITORY || 'hono-api',
    ...(key !== undefined && value !== undefined ? { nodePool: { key, value } } : {}),
    ...(env.LOCAL_NAMESPACE ? { namespace: env.LOCAL_NAMESPACE } : {}),
  };
}

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
  const selected = process.env.ENVIRONMENTS ?? context('environments');
  if (selected === 'local') new LocalAppStack(app, 'app-local', { env: config.environments.dev, target: localTarget(process.env) });
  else
    definePlatform(app, {
      config,
      environments: selectEnvironments(selected, config),
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
