import { once } from 'node:events';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Shedder } from './shedder.js';

// A client that sends `Expect: 100-continue` sends its body only after the server's 100
// Continue. Node sends that by itself before 'request', so a request shed there has already
// been told to upload; registered for 'checkContinue' instead, the shedder answers 503 before
// the body is sent, and an admitted request's listener asks for the body itself (README).

interface Upload {
  readonly status: number;
  /** Whether the server asked for the body (and so the client sent it). */
  readonly sent: boolean;
}

/** A POST of `size` bytes with `Expect: 100-continue`, over a connection of its own. */
function upload(port: number, size: number): Promise<Upload> {
  return new Promise((resolve, reject) => {
    let sent = false;
    const request = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      agent: false,
      headers: { expect: '100-continue', 'content-length': size },
    });
    request.on('continue', () => {
      sent = true;
      request.end(Buffer.alloc(size));
    });
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, sent });
        // a refused upload's body was never sent: the request cannot complete, so it is cut
        if (!sent) request.destroy();
      });
    });
    request.on('error', reject);
    request.flushHeaders();
  });
}

describe("Shedder on 'checkContinue'", () => {
  it('answers a shed upload 503 before its body is sent, and lets an admitted one send it', async () => {
    const shedder = new Shedder({ concurrency: 1, maxEventLoopDelay: false });
    const bodies: number[] = [];
    const held: ServerResponse[] = [];
    const server = http.createServer();
    server.on(
      'checkContinue',
      shedder.handle((request, response) => {
        response.writeContinue();
        let bytes = 0;
        request.on('data', (chunk: Buffer) => (bytes += chunk.length));
        request.on('end', () => {
          bodies.push(bytes);
          // the slot stays taken until the response ends
          held.push(response);
          server.emit('held');
        });
      }),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const heldOnce = once(server, 'held');
      const first = upload(port, 64 * 1024);
      await heldOnce;
      expect(shedder.active).toBe(1);
      // the one slot is taken: refused before a byte of its body is sent
      expect(await upload(port, 64 * 1024)).toEqual({ status: 503, sent: false });
      expect(shedder.shed).toBe(1);
      held[0]?.end('stored');
      expect(await first).toEqual({ status: 200, sent: true });
      expect(bodies).toEqual([64 * 1024]);
    } finally {
      server.closeAllConnections();
      server.close();
      shedder.close();
    }
  });
});
