// Test helpers are not product code: keep them out of coverage (and un-instrumented). The page
// script's sources (src/client) run in Chromium, built into src/internal/client-script.ts.
module.exports = require('../../tools/jest.config.base.cjs')(__dirname, {
  coveragePathIgnorePatterns: [
    '/node_modules/',
    '\\.test\\.ts$',
    '/test/',
    '/test-support/',
    '/src/client/',
  ],
});
