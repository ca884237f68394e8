// The seed's presets: how long building a dependency may take, by how far away it lives.

/** A dependency on this machine: 50 ms. */
export const LOCALHOST_TIMEOUT = 50;

/** A dependency on the local network: 50 ms. */
export const LAN_TIMEOUT = 50;

/** A dependency elsewhere in the same datacenter: 200 ms. */
export const DATACENTER_TIMEOUT = 200;

/** A dependency across the internet (a server on the other side of the planet): 3 s. */
export const INTERNET_TIMEOUT = 3_000;
