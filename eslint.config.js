// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Provider barrels load every resource binding: 9.2 s and 756 MB for one small stack, against 1.5 s with deep imports. */
const PROVIDER_BARREL_MESSAGE =
  'Import provider resources from their own module, e.g. `@cdktf/provider-aws/lib/vpc`: the package barrel loads every binding and makes synth several times slower.';

const PROVIDER_BARREL_PATTERN = { regex: '^@cdktf/provider-[^/]+(/lib)?(/index(\\.js)?)?$', message: PROVIDER_BARREL_MESSAGE };

/**
 * offline/ exists only for machines without a container engine, registries or a cloud account
 * (stand-in images, the local control plane, the AWS emulator, the toolchain builder). The product
 * never imports it, so a fork can delete the folder and lose only that path.
 */
const OFFLINE_PATTERN = {
  regex: '(^|/)offline/',
  message: 'offline/ is the offline harness (README: Development); the service, the stacks and the everyday scripts never import it. Put shared code in scripts/lib and import it from offline/ instead.',
};
const PRODUCT_FILES = ['src/**/*.ts', 'stacks/**/*.ts', 'scripts/**/*.ts', 'tools/**/*.ts', 'main.ts'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'cdktf.out/', '.gen/', 'reports/', 'bench-results/', '.cache/', 'helm/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', performance: 'readonly', URL: 'readonly' },
    },
    rules: {
      'no-restricted-imports': ['error', { patterns: [PROVIDER_BARREL_PATTERN] }],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportDeclaration[source.value=/^@cdktf\\u002Fprovider-/] > ImportNamespaceSpecifier',
          message: PROVIDER_BARREL_MESSAGE,
        },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: PRODUCT_FILES,
    rules: { 'no-restricted-imports': ['error', { patterns: [PROVIDER_BARREL_PATTERN, OFFLINE_PATTERN] }] },
  },
);
