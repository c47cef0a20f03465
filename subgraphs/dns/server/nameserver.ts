import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { isIPv6, type Server, type Socket } from 'node:net';
import { listenTcp } from '../../../lib/listen';
import type { Logger } from 'pino';
import { bindError as listenError } from '../../../lib/http';
import { CounterSet, type NameserverCounters } from './counters';
import { validateNameserverConfig, type NameserverConfig } from './nameserver-config';
import { QueryHandler } from './query-handler';
import { TcpConnection } from './tcp-connection';
import type { ZoneIndex } from './zone-index';

export { DEFAULT_UDP_PAYLOAD_MAX, type NameserverConfig } from './nameserver-config';
export type { NameserverCounters } from './counters';

/** Attempts to find a port that is free for both UDP and TCP when the config asks for port 0. */
const FREE_PORT_ATTEMPTS = 10;

/**
 * Authoritative DNS server over UDP and TCP on one address and port, answering from a ZoneIndex.
 */
export class Nameserver {
  private readonly config: NameserverConfig;
  private readonly counterSet = new CounterSet();
  private readonly handler: QueryHandler;
  private readonly connections = new Set<TcpConnection>();
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private boundPort = 0;

  constructor(
    config: NameserverConfig,
    index: ZoneIndex,
    private readonly logger: Logger,
  ) {
    this.config = validateNameserverConfig(config);
    this.handler = new QueryHandler(index, this.config.udpPayloadMax, this.counterSet, this.logger);
  }

  /**
   * Binds UDP, then TCP on the same port. Rejects with an Error naming the address and port when
   * a socket cannot be bound (port in use, privileged port, unknown address).
   */
  async start(): Promise<void> {
    if (this.udp !== undefined) {
      throw new Error('nameserver is already started');
    }
    const { host, port } = this.config;
    const attempts = port === 0 ? FREE_PORT_ATTEMPTS : 1;
    for (let attempt = 1; ; attempt++) {
      const udp = await this.bindUdp(host, port);
      const udpPort = udp.address().port;
      try {
        this.tcp = await this.listenTcp(host, udpPort);
      } catch (err) {
        udp.close();
        // Port 0 picked a UDP port whose TCP twin is taken, so try another pair.
        if (isInUse(err) && attempt < attempts) {
          continue;
        }
        throw bindError('TCP', host, udpPort, err, this.config.portSetting);
      }
      this.udp = udp;
      this.boundPort = udpPort;
      break;
    }
    this.logger.info(
      { host, port: this.boundPort, transports: ['udp', 'tcp'] },
      'nameserver listening',
    );
  }

  /** Closes both sockets and every TCP connection. */
  async stop(): Promise<void> {
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = undefined;
    this.tcp = undefined;
    for (const connection of this.connections) {
      connection.destroy();
    }
    const closing: Promise<void>[] = [];
    if (udp !== undefined) {
      closing.push(new Promise((resolve) => udp.close(() => resolve())));
    }
    if (tcp !== undefined) {
      closing.push(new Promise((resolve) => tcp.close(() => resolve())));
    }
    await Promise.all(closing);
    if (udp !== undefined || tcp !== undefined) {
      this.logger.info({ host: this.config.host, port: this.boundPort }, 'nameserver stopped');
    }
  }

  /** Returns the bound address; the port is the real one when the config asked for 0. */
  address(): { host: string; port: number } {
    if (this.udp === undefined) {
      throw new Error('nameserver is not started, so it has no address');
    }
    return { host: this.config.host, port: this.boundPort };
  }

  counters(): NameserverCounters {
    return this.counterSet.snapshot();
  }

  private bindUdp(host: string, port: number): Promise<UdpSocket> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', ipv6Only: false });
      const onBindError = (err: Error): void => {
        socket.close();
        reject(bindError('UDP', host, port, err, this.config.portSetting));
      };
      socket.once('error', onBindError);
      socket.on('message', (message, remote) => this.onDatagram(socket, message, remote));
      socket.bind(port, host, () => {
        socket.off('error', onBindError);
        socket.on('error', (err) => this.logger.error({ err }, 'UDP socket error'));
        resolve(socket);
      });
    });
  }

  private listenTcp(host: string, port: number): Promise<Server> {
    return listenTcp(host, port, (socket) => this.onConnection(socket), this.logger, 'TCP server');
  }

  private onDatagram(
    socket: UdpSocket,
    message: Buffer,
    remote: { address: string; port: number },
  ): void {
    const response = this.handler.handle(message, 'udp', remote.address);
    if (response === undefined) {
      return;
    }
    const onSent = (err: Error | null): void => {
      if (err) {
        this.counterSet.countDrop('send-failed');
        this.logger.debug({ err, client: remote.address }, 'UDP send failed');
      }
    };
    try {
      socket.send(response, remote.port, remote.address, onSent);
    } catch (err) {
      // dgram throws synchronously for an invalid destination such as source port 0.
      onSent(err as Error);
    }
  }

  private onConnection(socket: Socket): void {
    if (this.connections.size >= this.config.tcpMaxConnections) {
      this.counterSet.countDrop('tcp-connection-limit');
      socket.on('error', () => undefined);
      socket.destroy();
      return;
    }
    const connection = new TcpConnection(
      socket,
      this.handler,
      {
        idleTimeoutMs: this.config.tcpIdleTimeoutMs,
        maxQueries: this.config.maxTcpQueriesPerConnection,
      },
      this.counterSet,
      this.logger,
    );
    this.connections.add(connection);
    this.counterSet.connectionOpened();
    socket.on('close', () => {
      if (this.connections.delete(connection)) {
        this.counterSet.connectionClosed();
      }
    });
  }
}

function isInUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

function bindError(
  transport: string,
  host: string,
  port: number,
  cause: unknown,
  portSetting = 'the port setting',
): Error {
  return listenError(
    cause as NodeJS.ErrnoException,
    `nameserver (${transport})`,
    host,
    port,
    portSetting,
  );
}
