#!/usr/bin/env node
import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SUPERGRAPH_FILE } from '../gateway';
import { composeSupergraph } from '../gateway/compose';
import { platformSettings } from '../lib/config/platform';
import { settingsHelp, settingsMarkdown } from '../lib/config/read';
import { SettingsError, type SettingSpec } from '../lib/config/spec';
import { subgraphSdl } from '../lib/subgraph/schema';
import { gatewaySettings } from './gateway-settings';
import { services } from './services';
import { startStack } from './stack';

function allSettings(): { title: string; specs: SettingSpec[] }[] {
  return [
    { title: 'Platform', specs: Object.values(platformSettings) },
    { title: 'Gateway', specs: Object.values(gatewaySettings) },
    ...services.map((s) => ({
      title: `Service ${s.name}`,
      specs: Object.values(s.settings) as SettingSpec[],
    })),
  ];
}

function usage(): string {
  const names = services.map((s) => s.name).join(', ');
  const blocks = allSettings().map((group) => `${group.title}:\n${settingsHelp(group.specs)}`);
  return `Usage: paas-shack <command> [options]

Commands:
  start [--service NAME]...  Run services and the gateway in this process. Without --service,
                             runs everything (${names}, gateway). Repeat --service to pick
                             several; each service then needs its own ports.
  compose [--check]          Write ${SUPERGRAPH_FILE} from the services' schemas.
                             --check only compares and exits 1 when the file is stale.
  settings [--markdown]      List every setting; --markdown prints the README table.

Options:
  -h, --help                 Show this help.

Settings are environment variables, read once at start:
${blocks.join('\n\n')}
`;
}

function supergraph(): string {
  return composeSupergraph(
    services.map((s) => {
      const port = (s.settings[s.graphqlPortSetting] as SettingSpec).default;
      return {
        name: s.name,
        url: `http://127.0.0.1:${port}/graphql`,
        sdl: subgraphSdl(s.subgraph),
      };
    }),
  );
}

function compose(check: boolean): number {
  const composed = supergraph();
  if (check) {
    let current = '';
    try {
      current = readFileSync(SUPERGRAPH_FILE, 'utf8');
    } catch {
      // A missing file is as stale as an outdated one.
    }
    if (current === composed) {
      console.log(`${SUPERGRAPH_FILE} is up to date`);
      return 0;
    }
    console.error(`${SUPERGRAPH_FILE} is stale; run \`paas-shack compose\``);
    return 1;
  }
  writeFileSync(SUPERGRAPH_FILE, composed);
  console.log(`wrote ${SUPERGRAPH_FILE}`);
  return 0;
}

async function start(only: string[]): Promise<void> {
  const stack = await startStack({ only });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    stack.logger.info({ signal }, 'stopping');
    stack.stop().then(
      () => process.exit(0),
      (err) => {
        stack.logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      service: { type: 'string', multiple: true },
      check: { type: 'boolean' },
      markdown: { type: 'boolean' },
    },
  });
  const [command] = positionals;
  if (values.help || command === undefined || command === 'help') {
    console.log(usage());
    return 0;
  }
  switch (command) {
    case 'start':
      await start(values.service ?? []);
      return -1;
    case 'compose':
      return compose(values.check === true);
    case 'settings':
      for (const group of allSettings()) {
        console.log(
          values.markdown
            ? `#### ${group.title}\n\n${settingsMarkdown(group.specs)}\n`
            : `${group.title}:\n${settingsHelp(group.specs)}\n`,
        );
      }
      return 0;
    default:
      console.error(`unknown command ${JSON.stringify(command)}; run paas-shack --help`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof SettingsError) {
      console.error(`paas-shack: invalid settings:\n${err.message}`);
      process.exitCode = 2;
      return;
    }
    console.error(`paas-shack: ${(err as Error).message}`);
    process.exitCode = 1;
  },
);
