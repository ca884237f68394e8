module.exports = require('../jest.config.base.cjs')(__dirname, { testTimeout: 300_000 });
