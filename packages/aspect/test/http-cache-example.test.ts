import { createSite, type Response } from '../examples/http-cache.js';

const MODIFIED = new Date('2024-05-01T10:00:00.000Z');

function site() {
  const s = createSite();
  s.publish('/', '<h1>hello</h1>', MODIFIED);
  return s;
}

describe('the ETag / If-Modified-Since example', () => {
  it('answers 200 with an etag and last-modified, synchronously', () => {
    const { render } = site();
    const response = render({ path: '/', headers: {} }) as Response;
    expect(response.status).toBe(200);
    expect(response.body).toBe('<h1>hello</h1>');
    expect(response.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(response.headers['last-modified']).toBe('Wed, 01 May 2024 10:00:00 GMT');
  });

  it('answers 304 when If-None-Match holds the etag, whatever the header case', () => {
    const { render } = site();
    const first = render({ path: '/', headers: {} }) as Response;
    const again = render({ path: '/', headers: { 'If-None-Match': first.headers.etag } });
    expect(again).toEqual({ status: 304, headers: first.headers, body: '' });
  });

  it('answers 200 when the etag no longer matches', () => {
    const { render, publish } = site();
    const first = render({ path: '/', headers: {} }) as Response;
    publish('/', '<h1>changed</h1>', MODIFIED);
    const again = render({ path: '/', headers: { 'if-none-match': first.headers.etag } });
    expect((again as Response).status).toBe(200);
  });

  it('answers 304 to If-Modified-Since at or after the change, 200 before it', () => {
    const { render } = site();
    const at = (since: string) =>
      (render({ path: '/', headers: { 'If-Modified-Since': since } }) as Response).status;
    expect(at('Wed, 01 May 2024 10:00:00 GMT')).toBe(304);
    expect(at('Thu, 02 May 2024 00:00:00 GMT')).toBe(304);
    expect(at('Wed, 01 May 2024 09:59:59 GMT')).toBe(200);
    expect(at('not a date')).toBe(200);
  });

  it('lets If-None-Match win over If-Modified-Since', () => {
    const { render } = site();
    const response = render({
      path: '/',
      headers: { 'if-none-match': '"other"', 'if-modified-since': 'Thu, 02 May 2024 00:00:00 GMT' },
    }) as Response;
    expect(response.status).toBe(200);
  });

  it('leaves errors alone and works without the filters once they are cleared', () => {
    const { render, registry } = site();
    expect(render({ path: '/missing', headers: {} })).toEqual({
      status: 404,
      headers: {},
      body: 'not found',
    });
    registry.clear('render');
    const plain = render({ path: '/', headers: { 'if-none-match': '*' } }) as Response;
    expect(plain.status).toBe(200);
    expect(plain.headers.etag).toBeUndefined();
  });
});
