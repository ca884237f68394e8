// Test helpers are not product code: keep them out of coverage (and un-instrumented).
module.exports = require('../../tools/jest.config.base.cjs')(__dirname, {
  coveragePathIgnorePatterns: ['/node_modules/', '\\.test\\.ts$', '/test/', '/test-support/'],
});
