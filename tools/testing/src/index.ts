export { closeDuringReconnect, disposeAtReadyCheck } from './ready-check.js';
export { redisClients } from './redis-clients.js';
export {
  freePort,
  redisForTests,
  startRedis,
  type TestRedis,
  uniquePrefix,
} from './redis-server.js';
export { transpile } from './transpile.js';
export { waitFor } from './wait-for.js';
export { watchCommands } from './watch-commands.js';
