import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { withInputField } from '../graphql/format-error';
import { maxCostRule } from '../graphql/cost-limit';
import { maxDepthRule } from '../graphql/depth-limit';
import { graphqlHandler, HttpListener, sendJson } from '../http';
import type { Logger } from '../log';
import { buildFederatedSchema, instanceContainer, type SubgraphSpec } from './schema';

export interface SubgraphServerOptions {
  name: string;
  spec: SubgraphSpec;
  resolvers: object[];
  host: string;
  port: number;
  /** Setting to name when the port cannot be bound. */
  portSetting: string;
  bodyLimit: number;
  /** Deepest field nesting an operation may have. */
  maxDepth: number;
  /** Most field values an operation may return, as estimated by maxCostRule. */
  maxCost: number;
  logger: Logger;
  /** Extra health details, e.g. listener addresses. */
  status: () => Record<string, unknown>;
}

/** One subgraph over HTTP: `/graphql` for the gateway and `/health` for readiness checks. */
export class SubgraphServer {
  private readonly apollo: ApolloServer;
  private readonly http: HttpListener;

  constructor(private readonly options: SubgraphServerOptions) {
    const schema = buildFederatedSchema(options.spec, instanceContainer(options.resolvers));
    this.apollo = new ApolloServer({
      schema,
      plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled()],
      validationRules: [maxDepthRule(options.maxDepth), maxCostRule(options.maxCost)],
      logger: options.logger,
      includeStacktraceInErrorResponses: false,
      // The CLI stops every part in order on SIGINT and SIGTERM; Apollo's own handler would race it.
      stopOnTerminationSignals: false,
      formatError: withInputField,
    });
    this.http = new HttpListener(
      `${options.name} subgraph`,
      {
        '/graphql': graphqlHandler(this.apollo, {
          bodyLimit: options.bodyLimit,
          context: async () => ({}),
        }),
        '/health': (_req, res) =>
          sendJson(res, 200, { status: 'ok', service: options.name, ...options.status() }),
      },
      options.logger,
    );
  }

  async start(): Promise<void> {
    await this.apollo.start();
    await this.http.start(this.options.host, this.options.port, this.options.portSetting);
    this.options.logger.info({ url: this.url }, 'subgraph listening');
  }

  get url(): string {
    return this.http.url('/graphql');
  }

  async stop(): Promise<void> {
    await this.http.stop();
    await this.apollo.stop();
  }
}
