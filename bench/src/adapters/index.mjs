// Every library the suite compares, in table order. Each adapter module exports `library` (the
// column name), `packages` (whose versions the report records) and `load()`, which resolves to
// `{ caps, notes }`. A capability is a factory (see README), an array of variants, or a string
// saying why it is unavailable ("not built ..."); a missing capability prints "—".
export const ADAPTERS = [
  'dyno',
  'cockatiel',
  'opossum',
  'mollitia',
  'p-retry',
  'p-limit',
  'lru-cache',
  'hdr-histogram',
];

export async function loadAdapter(file) {
  const mod = await import(`./${file}.mjs`);
  const { caps, notes } = await mod.load();
  return { library: mod.library, packages: mod.packages, caps, notes };
}

export async function loadAll() {
  const all = [];
  for (const file of ADAPTERS) all.push(await loadAdapter(file));
  return all;
}
