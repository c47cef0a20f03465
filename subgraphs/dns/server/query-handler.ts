import type { Logger } from 'pino';
import type { CounterSet, Transport } from './counters';
import { CLASSIC_UDP_MAX, RCODES, TCP_MESSAGE_MAX, rcodeName, typeName } from './dns-constants';
import { parseQuery, type QueryHeader, type QueryOpt } from './query-parser';
import { resolveQuestion, type Question, type Resolution } from './resolver';
import { encodeResponse, type ResponseContent } from './response-encoder';
import type { ZoneIndex } from './zone-index';

/** At most this many handler errors are logged per window; the rest are counted. */
const ERROR_LOGS_PER_WINDOW = 10;
const ERROR_LOG_WINDOW_MS = 60_000;

/**
 * Turns one query message into one response message, independent of the transport. Never
 * throws: an error while resolving or encoding becomes SERVFAIL and one error log line.
 */
export class QueryHandler {
  private errorWindowStart = 0;
  private errorsInWindow = 0;

  constructor(
    private readonly index: ZoneIndex,
    private readonly udpPayloadMax: number,
    private readonly counters: CounterSet,
    private readonly logger: Logger,
  ) {}

  /** Returns the response bytes, or undefined when the message is dropped. */
  handle(message: Buffer, transport: Transport, clientAddress: string): Buffer | undefined {
    this.counters.countMessage(transport);
    try {
      return this.answer(message, transport, clientAddress);
    } catch (err) {
      // Only reached when even the SERVFAIL fallback fails to encode.
      this.counters.countDrop('internal-error');
      this.logger.error({ err, transport, client: clientAddress }, 'query dropped after error');
      return undefined;
    }
  }

  private answer(message: Buffer, transport: Transport, clientAddress: string): Buffer | undefined {
    const parsed = parseQuery(message);
    if (parsed.kind === 'drop') {
      this.counters.countDrop(parsed.reason);
      this.logger.debug({ transport, client: clientAddress, reason: parsed.reason }, 'dropped');
      return undefined;
    }
    const limit = responseLimit(transport, parsed.opt, this.udpPayloadMax);
    const opt = parsed.opt && { udpPayloadSize: this.udpPayloadMax, dnssecOk: parsed.opt.dnssecOk };
    if (parsed.kind === 'error') {
      return this.send(
        emptyResponse(parsed.header, parsed.rcode, parsed.question, opt),
        limit,
        transport,
        clientAddress,
      );
    }

    const question = parsed.question;
    this.counters.countQuery(typeName(question.type));
    let content: ResponseContent;
    try {
      const resolution = resolveQuestion(this.index, question, clientAddress);
      content = toContent(parsed.header, question, resolution, opt);
      return this.send(content, limit, transport, clientAddress);
    } catch (err) {
      this.reportError(err, question, clientAddress);
      content = emptyResponse(parsed.header, RCODES.SERVFAIL, question, opt);
      try {
        return this.send(content, limit, transport, clientAddress);
      } catch {
        // The question itself may be what failed to encode, so fall back to a bare header.
        return this.send({ ...content, question: undefined }, limit, transport, clientAddress);
      }
    }
  }

  private send(
    content: ResponseContent,
    limit: number,
    transport: Transport,
    clientAddress: string,
  ): Buffer {
    const response = encodeResponse(content, limit);
    const rcode = rcodeName(content.header.rcode);
    this.counters.countResponse(rcode);
    if (this.logger.isLevelEnabled('debug')) {
      this.logger.debug(
        {
          transport,
          client: clientAddress,
          qname: content.question?.name,
          qtype: content.question && typeName(content.question.type),
          rcode,
          bytes: response.length,
          truncated: (response.readUInt16BE(2) & 0x0200) !== 0,
        },
        'query answered',
      );
    }
    return response;
  }

  private reportError(err: unknown, question: Question, clientAddress: string): void {
    this.counters.countHandlerError();
    const now = Date.now();
    if (now - this.errorWindowStart > ERROR_LOG_WINDOW_MS) {
      this.errorWindowStart = now;
      this.errorsInWindow = 0;
    }
    this.errorsInWindow += 1;
    if (this.errorsInWindow <= ERROR_LOGS_PER_WINDOW) {
      this.logger.error(
        { err, qname: question.name, qtype: typeName(question.type), client: clientAddress },
        'query failed, answered SERVFAIL',
      );
    }
  }
}

/**
 * Computes the response size limit. It is 65535 over TCP. Over UDP it is the client's EDNS
 * payload size capped at udpPayloadMax, or 512 without EDNS.
 */
function responseLimit(transport: Transport, opt: QueryOpt | undefined, udpMax: number): number {
  if (transport === 'tcp') {
    return TCP_MESSAGE_MAX;
  }
  return opt === undefined ? CLASSIC_UDP_MAX : Math.min(opt.udpPayloadSize, udpMax);
}

function emptyResponse(
  header: QueryHeader,
  rcode: number,
  question: Question | undefined,
  opt: ResponseContent['opt'],
): ResponseContent {
  return {
    header: { ...header, authoritative: false, rcode },
    question,
    answer: [],
    authority: [],
    additional: [],
    additionalRequired: false,
    opt,
  };
}

function toContent(
  header: QueryHeader,
  question: Question,
  resolution: Resolution,
  opt: ResponseContent['opt'],
): ResponseContent {
  return {
    header: { ...header, authoritative: resolution.authoritative, rcode: resolution.rcode },
    question,
    answer: resolution.answer,
    authority: resolution.authority,
    additional: resolution.additional,
    additionalRequired: resolution.additionalRequired,
    opt,
  };
}
