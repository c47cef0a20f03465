import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from './log';

/**
 * Starts a TCP server on host and port (IPv6 servers accept IPv4 too) and resolves once it
 * listens. A bind failure rejects with the socket error; later errors are logged with `label`.
 */
export function listenTcp(
  host: string,
  port: number,
  onConnection: (socket: Socket) => void,
  logger: Logger,
  label: string,
): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(onConnection);
    server.once('error', reject);
    server.listen({ host, port, ipv6Only: false }, () => {
      server.off('error', reject);
      server.on('error', (err) => logger.error({ err }, `${label} error`));
      resolve(server);
    });
  });
}
