/**
 * Baseline for `npm run bench:synth`: the same framework and config loading as main.ts, but only
 * the state stack (one provider, a dozen resources). The difference to a full synth is the cost of
 * the other eleven stacks.
 */
import { App } from 'cdktf';
import { platformConfig } from '../../stacks/config/environments.js';
import { validatePlatformConfig } from '../../stacks/config/validate.js';
import { StateStack } from '../../stacks/state-stack.js';

const app = new App();
const config = validatePlatformConfig(platformConfig);
new StateStack(app, 'state', {
  project: config.project,
  repository: config.shared.github.repository,
  state: config.state,
  allowedAccountIds: config.shared.allowedAccountIds,
  backend: 's3',
});
app.synth();
