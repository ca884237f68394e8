import { AspectRegistry, advertise } from '@dyno/aspect';

/** Uses @dyno/aspect: a sync pipeline, then an async one, on an instance registry. */
export async function use() {
  const registry = new AspectRegistry();
  const greet = advertise('greet', (name) => `hello ${name}`, { registry });
  const trim = registry.before('greet', ([name]) => [name.trim()]);
  registry.after('greet', (text) => text.toUpperCase());
  if (greet('  ada ') !== 'HELLO ADA') throw new Error('sync pipeline broken');
  trim.dispose();
  // async filters need an async join point: a sync one refuses a filter's promise
  const cheer = advertise('cheer', (name) => `hello ${name}`, { registry, async: true });
  registry.after('cheer', async (text) => `${text.toUpperCase()}!`);
  if ((await cheer('bob')) !== 'HELLO BOB!') throw new Error('async pipeline broken');
}
