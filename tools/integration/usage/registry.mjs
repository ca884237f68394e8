import { NotRegistered, Registry } from '@dyno/registry';

/** Uses @dyno/registry: a provider, a ref that follows a swap, a child, and a disposal. */
export async function use() {
  const registry = new Registry({ name: 'usage' });
  registry.provide('greet', () => (name) => `hello ${name}`);
  const greet = registry.ref('greet');
  if (greet('ann') !== 'hello ann') throw new Error('ref did not resolve');
  registry.replace('greet', (name) => `hi ${name}`);
  if (greet('ann') !== 'hi ann') throw new Error('ref did not follow the swap');
  const child = registry.child();
  try {
    child.get('missing');
    throw new Error('expected NotRegistered');
  } catch (error) {
    if (!NotRegistered.isInstance(error)) throw error;
  }
  registry.dispose();
}
