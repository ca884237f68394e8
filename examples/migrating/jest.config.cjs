module.exports = require('../../tools/jest.config.base.cjs')(__dirname);
