import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { platformSettings } from '../../lib/config/platform';
import { readSettings } from '../../lib/config/read';
import { SettingsError } from '../../lib/config/spec';
import { services } from '../../bin/services';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..', '..');
const cli = path.join(root, 'dist', 'bin', 'paas-shack.js');

async function paasShack(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failure = err as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

const everySetting = [
  ...Object.values(platformSettings),
  ...services.flatMap((s) => Object.values(s.settings)),
].map((spec) => spec.env);

describe('command line', () => {
  it('help lists every setting', async () => {
    const { code, stdout } = await paasShack(['--help']);
    assert.equal(code, 0);
    for (const env of everySetting)
      assert.match(stdout, new RegExp(`\\b${env}\\b`), `${env} missing from --help`);
  });

  it('README settings table is current', async () => {
    const { stdout } = await paasShack(['settings', '--markdown']);
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    assert.ok(
      readme.includes(stdout.trim()),
      'README.md differs from `paas-shack settings --markdown`',
    );
  });

  it('supergraph file is current', async () => {
    const { code, stderr } = await paasShack(['compose', '--check']);
    assert.equal(code, 0, stderr);
  });

  it('unknown command exits 2', async () => {
    const { code, stderr } = await paasShack(['launch']);
    assert.equal(code, 2);
    assert.match(stderr, /unknown command "launch"/);
  });

  it('unknown service is rejected', async () => {
    const { code, stderr } = await paasShack(['start', '--service', 'ftp'], {
      PAAS_LOG_LEVEL: 'silent',
    });
    assert.equal(code, 1);
    assert.match(stderr, /unknown service ftp; choose from gateway, dns/);
  });

  it('every invalid setting is reported', async () => {
    const { code, stderr } = await paasShack(['start'], {
      PAAS_DNS_PORT: 'abc',
      PAAS_LOG_LEVEL: 'verbose',
    });
    assert.equal(code, 2);
    assert.match(stderr, /invalid PAAS_DNS_PORT="abc"/);
    assert.match(stderr, /invalid PAAS_LOG_LEVEL="verbose"/);
  });

  it('invalid settings stop the start', async () => {
    const { code, stderr } = await paasShack(['start'], {
      PAAS_GATEWAY_PORT: '70000',
      PAAS_LOG_LEVEL: 'loud',
    });
    assert.equal(code, 2);
    assert.match(stderr, /invalid PAAS_GATEWAY_PORT="70000": expected an integer from 0 to 65535/);
    assert.match(stderr, /invalid PAAS_LOG_LEVEL="loud": expected one of fatal, error/);
  });
});

describe('settings', () => {
  const cases: { name: string; env: Record<string, string>; message: RegExp }[] = [
    {
      name: 'port not a number',
      env: { PAAS_GATEWAY_PORT: '40x' },
      message: /PAAS_GATEWAY_PORT="40x"/,
    },
    {
      name: 'mongodb URL scheme',
      env: { PAAS_MONGODB_URL: 'http://db' },
      message: /expected a URL starting with mongodb:/,
    },
    {
      name: 'host not an address',
      env: { PAAS_GRAPHQL_HOST: 'localhost' },
      message: /expected an IPv4 or IPv6 address/,
    },
    {
      name: 'poll interval negative',
      env: { PAAS_REVISION_POLL_INTERVAL: '-1' },
      message: /from 0 to 3600000/,
    },
  ];
  for (const { name, env, message } of cases) {
    it(`rejects ${name}`, () => {
      assert.throws(
        () => readSettings(platformSettings, env),
        (err: unknown) => {
          assert.ok(err instanceof SettingsError);
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }

  it('defaults apply when unset', () => {
    const settings = readSettings(platformSettings, {});
    assert.equal(settings.gatewayPort, 4000);
    assert.equal(settings.mongodbUrl, '');
  });
});
