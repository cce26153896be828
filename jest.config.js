/** Three projects: `unit` needs nothing but node; `browser` needs a Chromium (scripts/ensure-chromium.sh installs
 * Debian's); `integration` needs the local clusters and toolchain (scripts/test.sh brings them up first). */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.test.json' }];
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/unit'],
      transform: { '^.+\\.ts$': tsJest },
    },
    {
      displayName: 'browser',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/browser'],
      transform: { '^.+\\.ts$': tsJest },
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/integration'],
      transform: { '^.+\\.ts$': tsJest },
      slowTestThreshold: 60,
    },
  ],
};
