import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['__tests__/**/*.test.ts'],
    environment: 'node',
    // One Kubernetes API for the run: a reachable KUBECONFIG, else the local control plane.
    globalSetup: ['__tests__/support/cluster-setup.ts'],
    // Integration tests spawn real servers; give them room on a loaded 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: process.env.CI ? ['default', 'junit'] : ['default'],
    outputFile: { junit: 'reports/junit.xml' },
    coverage: { provider: 'v8', include: ['src/**', 'stacks/**', 'scripts/**'], reportsDirectory: 'reports/coverage' },
  },
});
