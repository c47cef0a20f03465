import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { isIPv6, type Server, type Socket } from 'node:net';
import { listenTcp } from '../../../lib/listen';
import type { Logger } from '../../../lib/log';
import type { Transport } from '../models';
import type { LogWriter } from '../storage/log-writer';
import { SortKeys } from '../storage/sort-key';
import type { CounterSet } from './counters';
import { trimTrailingNewline, wholeCharacters } from './framing';
import { logEntry } from './log-entry';
import { TcpConnection, unmappedAddress } from './tcp-connection';

export interface ReceiverConfig {
  /** Bind address as an IP literal; '::' listens on IPv6 and IPv4. */
  host: string;
  /** UDP and TCP port; 0 picks a free port that is the same for both. */
  port: number;
  /** Bytes kept of one message; the rest is cut off and the message flagged truncated. */
  maxMessageSize: number;
  tcpMaxConnections: number;
  tcpIdleTimeoutMs: number;
  /** Names of the settings behind host and port, for bind error messages. */
  hostSetting: string;
  portSetting: string;
}

/** Attempts to find a port free for both UDP and TCP when the config sets port 0. */
const FREE_PORT_ATTEMPTS = 10;
/**
 * Kernel receive buffer requested for UDP; Linux caps it at net.core.rmem_max.
 * NOTE: datagrams the kernel drops when this buffer is full never reach the drop counters.
 */
const UDP_RECEIVE_BUFFER = 4 * 1024 * 1024;
/** Minimum time between two warnings that the TCP connection limit is reached. */
const LIMIT_WARNING_INTERVAL_MS = 60_000;

/**
 * Syslog receiver on UDP and TCP (one address and port): takes messages off the wire, parses
 * them and hands them to the writer. TCP reads pause while the writer is full; UDP drops.
 */
export class SyslogReceiver {
  private readonly keys = new SortKeys();
  private readonly connections = new Set<TcpConnection>();
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private boundPort = 0;
  private lastLimitWarning = 0;
  private stopDrainListener: (() => void) | undefined;

  constructor(
    private readonly config: ReceiverConfig,
    private readonly writer: LogWriter,
    private readonly counters: CounterSet,
    private readonly logger: Logger,
  ) {}

  /** Binds UDP, then TCP on the same port; rejects with an error naming the setting to change. */
  async start(): Promise<void> {
    if (this.udp !== undefined) throw new Error('syslog receiver is already started');
    const { host, port } = this.config;
    for (let attempt = 1; ; attempt++) {
      const udp = await this.bindUdp(host, port);
      const udpPort = udp.address().port;
      try {
        this.tcp = await this.listenTcp(host, udpPort);
      } catch (err) {
        udp.close();
        // Port 0 picked a UDP port whose TCP twin is taken, so try another pair.
        if (port === 0 && code(err) === 'EADDRINUSE' && attempt < FREE_PORT_ATTEMPTS) continue;
        throw this.bindError('TCP', udpPort, err);
      }
      this.udp = udp;
      this.boundPort = udpPort;
      break;
    }
    this.stopDrainListener = this.writer.onDrain(() => this.resumeAll());
    this.logger.info(
      { host, port: this.boundPort, transports: ['udp', 'tcp'] },
      'syslog receiver listening',
    );
  }

  /** Closes both sockets and every connection; what was read before is already queued. */
  async stop(): Promise<void> {
    const { udp, tcp } = this;
    this.udp = undefined;
    this.tcp = undefined;
    this.stopDrainListener?.();
    for (const connection of this.connections) connection.destroy();
    const closing: Promise<void>[] = [];
    if (udp) closing.push(new Promise((resolve) => udp.close(() => resolve())));
    if (tcp) closing.push(new Promise((resolve) => tcp.close(() => resolve())));
    await Promise.all(closing);
    if (udp || tcp) {
      this.logger.info({ host: this.config.host, port: this.boundPort }, 'syslog receiver stopped');
    }
  }

  address(): { host: string; port: number } {
    if (this.udp === undefined)
      throw new Error('syslog receiver is not started, so it has no address');
    return { host: this.config.host, port: this.boundPort };
  }

  /** Parses and queues one message; the caller has counted nothing yet. */
  private accept(bytes: Buffer, truncated: boolean, transport: Transport, sender: string): void {
    const counters = this.counters.transport(transport);
    counters.received += 1;
    if (truncated) counters.truncated += 1;
    const arrival = { transport, sender, receivedAt: new Date(), truncated };
    const { document, parsed } = logEntry(bytes, arrival, this.keys);
    if (parsed.format === 'unknown') counters.malformed += 1;
    this.writer.enqueue(document, bytes.length);
  }

  private onDatagram(message: Buffer, remote: RemoteInfo): void {
    const sender = unmappedAddress(remote.address);
    if (this.writer.full) {
      this.counters.transport('udp').received += 1;
      this.counters.countDrop('udp', 'udp-queue-full');
      return;
    }
    const truncated = message.length > this.config.maxMessageSize;
    const bytes = truncated
      ? wholeCharacters(message.subarray(0, this.config.maxMessageSize))
      : trimTrailingNewline(message);
    if (bytes.length === 0) {
      this.counters.transport('udp').received += 1;
      this.counters.countDrop('udp', 'empty-message');
      return;
    }
    this.accept(bytes, truncated, 'udp', sender);
  }

  private onConnection(socket: Socket): void {
    if (this.connections.size >= this.config.tcpMaxConnections) {
      this.counters.countEvent('tcp-connection-limit');
      this.warnConnectionLimit();
      socket.on('error', () => undefined);
      socket.destroy();
      return;
    }
    const writer = this.writer;
    const connection = new TcpConnection(
      socket,
      {
        accept: (data, truncated, sender) => this.accept(data, truncated, 'tcp', sender),
        get full() {
          return writer.full;
        },
      },
      { maxMessageSize: this.config.maxMessageSize, idleTimeoutMs: this.config.tcpIdleTimeoutMs },
      this.counters,
      this.logger,
    );
    this.connections.add(connection);
    this.counters.connectionOpened();
    socket.on('close', () => {
      if (this.connections.delete(connection)) this.counters.connectionClosed();
    });
  }

  private resumeAll(): void {
    for (const connection of this.connections) connection.resume();
  }

  private warnConnectionLimit(): void {
    const now = Date.now();
    if (now - this.lastLimitWarning < LIMIT_WARNING_INTERVAL_MS) return;
    this.lastLimitWarning = now;
    this.logger.warn(
      {
        limit: this.config.tcpMaxConnections,
        rejected: this.counters.snapshot().drops['tcp-connection-limit'],
      },
      'TCP connection limit reached; new connections are closed',
    );
  }

  private bindUdp(host: string, port: number): Promise<UdpSocket> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', ipv6Only: false });
      const onBindError = (err: Error): void => {
        socket.close();
        reject(this.bindError('UDP', port, err));
      };
      socket.once('error', onBindError);
      socket.on('message', (message, remote) => this.onDatagram(message, remote));
      socket.bind(port, host, () => {
        socket.off('error', onBindError);
        socket.on('error', (err) => this.logger.error({ err }, 'syslog UDP socket error'));
        try {
          socket.setRecvBufferSize(UDP_RECEIVE_BUFFER);
        } catch (err) {
          this.logger.warn({ err, bytes: UDP_RECEIVE_BUFFER }, 'UDP receive buffer not enlarged');
        }
        resolve(socket);
      });
    });
  }

  private listenTcp(host: string, port: number): Promise<Server> {
    return listenTcp(
      host,
      port,
      (socket) => this.onConnection(socket),
      this.logger,
      'syslog TCP server',
    );
  }

  private bindError(transport: string, port: number, cause: unknown): Error {
    const { host, hostSetting, portSetting } = this.config;
    const where = isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
    const reason = code(cause) ?? (cause instanceof Error ? cause.message : String(cause));
    const hint =
      code(cause) === 'EACCES'
        ? `ports below 1024 need root or CAP_NET_BIND_SERVICE; set ${portSetting} to a higher port`
        : code(cause) === 'EADDRNOTAVAIL'
          ? `the address is not on this machine; change ${hostSetting}`
          : `set ${portSetting} to a free port or stop what uses it`;
    return new Error(
      `syslog receiver failed to listen on ${transport} ${where} (${reason}): ${hint}`,
      {
        cause,
      },
    );
  }
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}
