import {
  DATACENTER_TIMEOUT,
  INTERNET_TIMEOUT,
  LAN_TIMEOUT,
  LOCALHOST_TIMEOUT,
} from './timeouts.js';

describe('timeout presets', () => {
  it('keep the seed values: localhost and LAN 50 ms, datacenter 200 ms, internet 3 s', () => {
    expect([LOCALHOST_TIMEOUT, LAN_TIMEOUT, DATACENTER_TIMEOUT, INTERNET_TIMEOUT]).toEqual([
      50, 50, 200, 3000,
    ]);
  });
});
