import path from 'node:path';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError } from 'graphql';
import { withInputField } from '../lib/graphql/format-error';
import { graphqlHandler, HttpListener, sendJson } from '../lib/http';
import { maxCostRule } from '../lib/graphql/cost-limit';
import { maxDepthRule } from '../lib/graphql/depth-limit';
import type { Logger } from '../lib/log';

/** The composed supergraph shipped with the source; `paas-shack compose` rewrites it. */
export const SUPERGRAPH_FILE = path.resolve(__dirname, '..', '..', 'gateway', 'supergraph.graphql');

export interface GatewayOptions {
  supergraphSdl: string;
  /** Subgraph URLs by name; they replace the URLs written in the supergraph file. */
  subgraphUrls: Record<string, string>;
  host: string;
  port: number;
  bodyLimit: number;
  logger: Logger;
  /** How long readiness waits for each subgraph's health endpoint. */
  healthTimeoutMs?: number;
  /** How long a query waits for one subgraph request. */
  subgraphTimeoutMs: number;
  /** Deepest field nesting an operation may have. */
  maxDepth: number;
  /** Most field values an operation may return, as estimated by maxCostRule. */
  maxCost: number;
}

/**
 * Sends the gateway's requests to one subgraph. A response whose body is a GraphQL result with
 * `errors` is passed on whatever its HTTP status, so the client sees the subgraph's messages
 * and extensions (`BAD_USER_INPUT` for an invalid variable, for example). Any other failed
 * request (connection refused, timeout, a non-2xx status without a GraphQL body, a body that
 * is not JSON) becomes one error that names the subgraph in its message and in
 * `extensions.serviceName`. Subgraph URLs go to the log, never to the client.
 */
class SubgraphDataSource extends RemoteGraphQLDataSource {
  constructor(
    private readonly subgraphName: string,
    url: string,
    timeoutMs: number,
    private readonly logger: Logger,
  ) {
    super({
      url,
      fetcher: ((input: string, init?: RequestInit) =>
        this.fetchResult(input, init, timeoutMs)) as never,
    });
  }

  /**
   * Fetches with a timeout, which Apollo's data source lacks, so a hung subgraph cannot hold a
   * query. Apollo Server 5 responds with HTTP 400 to a value it cannot coerce, and Apollo's data
   * source would turn that into a bare "400: Bad Request". The GraphQL over HTTP spec lets a
   * client read an `application/json` result whatever the status, so such a result is handed
   * on as a 200 with the same body.
   */
  private async fetchResult(input: string, init: RequestInit | undefined, timeoutMs: number) {
    const response = await fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const type = response.headers.get('content-type') ?? '';
    if (response.ok || !/^application\/(graphql-response\+)?json/.test(type)) return response;
    const text = await response.text();
    if (!hasGraphqlErrors(text)) {
      return new Response(text, {
        status: response.status,
        statusText: response.statusText,
        headers: { 'content-type': type },
      });
    }
    this.logger.debug(
      { subgraph: this.subgraphName, url: this.url, status: response.status },
      'subgraph returned GraphQL errors with a non-2xx status',
    );
    return new Response(text, { status: 200, headers: { 'content-type': type } });
  }

  override didEncounterError(error: Error): void {
    this.logger.warn(
      { err: error, subgraph: this.subgraphName, url: this.url },
      'subgraph request failed',
    );
    // Apollo puts the subgraph's URL and raw body in `extensions.response`; clients get neither.
    const extensions = error instanceof GraphQLError ? { ...error.extensions } : {};
    delete extensions.response;
    const reason = this.url ? error.message.split(this.url).join('<subgraph URL>') : error.message;
    throw new GraphQLError(`${this.subgraphName} subgraph request failed: ${reason}`, {
      originalError: error,
      extensions: {
        code: 'SUBREQUEST_HTTP_ERROR',
        ...extensions,
        serviceName: this.subgraphName,
      },
    });
  }
}

/** Returns true when `text` is a JSON object with a non-empty `errors` array. */
function hasGraphqlErrors(text: string): boolean {
  try {
    const body = JSON.parse(text) as unknown;
    const errors = (body as { errors?: unknown } | null)?.errors;
    return Array.isArray(errors) && errors.length > 0;
  } catch {
    return false;
  }
}

interface SubgraphHealth {
  name: string;
  url: string;
  ready: boolean;
  error?: string;
}

/**
 * The federated gateway: one `/graphql` over every subgraph, `/health/live` and
 * `/health/ready`, which checks each subgraph's own health endpoint.
 */
export class Gateway {
  private readonly apollo: ApolloServer;
  private readonly http: HttpListener;

  constructor(private readonly options: GatewayOptions) {
    const gateway = new ApolloGateway({
      supergraphSdl: options.supergraphSdl,
      logger: options.logger,
      buildService: ({ name, url }) =>
        new SubgraphDataSource(
          name,
          options.subgraphUrls[name] ?? url ?? '',
          options.subgraphTimeoutMs,
          options.logger,
        ),
    });
    this.apollo = new ApolloServer({
      gateway,
      plugins: [ApolloServerPluginLandingPageDisabled()],
      validationRules: [maxDepthRule(options.maxDepth), maxCostRule(options.maxCost)],
      logger: options.logger,
      includeStacktraceInErrorResponses: false,
      // The CLI stops every part in order on SIGINT and SIGTERM; Apollo's own handler would race it.
      stopOnTerminationSignals: false,
      formatError: withInputField,
    });
    this.http = new HttpListener(
      'gateway',
      {
        '/graphql': graphqlHandler(this.apollo, {
          bodyLimit: options.bodyLimit,
          context: async () => ({}),
        }),
        '/health/live': (_req, res) => sendJson(res, 200, { status: 'ok' }),
        '/health/ready': async (_req, res) => {
          const subgraphs = await this.subgraphHealth();
          const ready = subgraphs.every((s) => s.ready);
          sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'degraded', subgraphs });
        },
      },
      options.logger,
    );
  }

  private async subgraphHealth(): Promise<SubgraphHealth[]> {
    return Promise.all(
      Object.entries(this.options.subgraphUrls).map(async ([name, url]) => {
        const healthUrl = url.replace(/\/graphql$/, '/health');
        try {
          const response = await fetch(healthUrl, {
            signal: AbortSignal.timeout(this.options.healthTimeoutMs ?? 2000),
          });
          return {
            name,
            url,
            ready: response.ok,
            ...(response.ok ? {} : { error: `HTTP ${response.status}` }),
          };
        } catch (err) {
          // fetch reports every network failure as "fetch failed", and its cause names the failure.
          const cause = (err as Error & { cause?: unknown }).cause;
          const error = cause instanceof Error ? cause.message : (err as Error).message;
          return { name, url, ready: false, error };
        }
      }),
    );
  }

  async start(): Promise<void> {
    await this.apollo.start();
    await this.http.start(this.options.host, this.options.port, 'PAAS_GATEWAY_PORT');
    this.options.logger.info(
      { url: this.url, subgraphs: this.options.subgraphUrls },
      'gateway listening',
    );
  }

  get url(): string {
    return this.http.url('/graphql');
  }

  get baseUrl(): string {
    return this.http.url('');
  }

  async stop(): Promise<void> {
    await this.http.stop();
    await this.apollo.stop();
    this.options.logger.info('gateway stopped');
  }
}
