import { type Agent, get } from 'node:http';

/**
 * One GET with node:http. The signal really cancels it: aborting destroys the request and its
 * socket, so a timed-out call stops holding a connection.
 */
export function httpGet(url: string, agent: Agent, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent, signal }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        if (res.statusCode === 200) resolve(body);
        else reject(new Error(`upstream answered ${res.statusCode}`));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}
