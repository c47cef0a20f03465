import { integer, type SettingSpec } from '../lib/config/spec';

/** Parses `name=url` pairs separated by commas, e.g. `dns=http://dns:4001/graphql`. */
function subgraphUrlList(raw: string): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const pair of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name, url] = pair.split(/=(.*)/s, 2);
    if (!/^[a-z][a-z0-9-]*$/.test(name ?? '') || !url)
      throw new Error(`expected name=url pairs, got ${JSON.stringify(pair)}`);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`${JSON.stringify(url)} is not a URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new Error(`${url} must start with http:// or https://`);
    urls[name] = url;
  }
  return urls;
}

export const gatewaySettings = {
  subgraphUrls: {
    env: 'PAAS_GATEWAY_SUBGRAPHS',
    default: '',
    unit: 'name=url,...',
    description:
      'Where the gateway reaches subgraphs that run in other processes, e.g. dns=http://dns:4001/graphql. Unlisted ones: http://127.0.0.1 on their PAAS_*_GRAPHQL_PORT.',
    parse: subgraphUrlList,
  },
  subgraphTimeout: {
    env: 'PAAS_GATEWAY_SUBGRAPH_TIMEOUT',
    default: '10000',
    unit: 'ms',
    description:
      'How long the gateway waits for a subgraph to answer before the query gets an error naming it.',
    parse: integer(100, 600_000),
  },
} satisfies Record<string, SettingSpec>;
