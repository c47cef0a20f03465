import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** Plain pages for the proxy's own answers; they name no route, target or internal detail. */
const MESSAGES: Record<number, string> = {
  400: 'The request is malformed.',
  401: 'Authentication is required.',
  404: 'No site is configured for this address.',
  408: 'The request took too long to arrive.',
  431: 'The request headers are too large.',
  501: 'This proxy does not support this kind of request.',
  502: 'The site could not be reached.',
  503: 'The site is temporarily unavailable.',
  504: 'The site took too long to respond.',
};

function page(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? ''}`.trim();
  return `<!doctype html>\n<html><head><title>${title}</title></head><body><h1>${title}</h1><p>${MESSAGES[status] ?? ''}</p></body></html>\n`;
}

export function sendStatus(
  res: ServerResponse,
  status: number,
  headers: Record<string, string> = {},
): void {
  const body = page(status);
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** Writes a status page on a raw socket (before an upgrade, or from clientError) and closes it. */
export function sendStatusOnSocket(
  socket: Duplex,
  status: number,
  headers: Record<string, string> = {},
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = page(status);
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'content-type: text/html; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}
