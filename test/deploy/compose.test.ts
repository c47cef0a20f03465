import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { gatewaySettings } from '../../bin/gateway-settings';
import { selectServices } from '../../bin/stack';
import { services } from '../../bin/services';
import { platformSettings } from '../../lib/config/platform';
import { readSettings } from '../../lib/config/read';
import type { SettingSpec } from '../../lib/config/spec';

const root = path.resolve(__dirname, '..', '..', '..');

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
}

const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as {
  services: Record<string, ComposeService>;
};
const specs: SettingSpec[] = [
  ...Object.values(platformSettings),
  ...Object.values(gatewaySettings),
  ...services.flatMap((s) => Object.values(s.settings) as SettingSpec[]),
];
const known = new Map(specs.map((spec) => [spec.env, spec]));
const ours = Object.entries(compose.services).filter(([, service]) =>
  service.image?.startsWith('paas-shack'),
);

describe('docker-compose.yml', () => {
  it('runs every service and the gateway', () => {
    const started = ours.flatMap(
      ([, service]) => service.command?.slice(2).filter((arg) => arg !== '--service') ?? [],
    );
    for (const name of ['gateway', ...services.map((s) => s.name)]) {
      assert.ok(started.includes(name), `no container runs ${name}`);
    }
  });

  for (const [name, service] of ours) {
    it(`${name} command exists in the CLI`, () => {
      const [command, ...args] = service.command ?? [];
      assert.equal(command, 'start');
      const picked = args.filter((_, i) => args[i - 1] === '--service');
      assert.equal(picked.length * 2, args.length, `unexpected arguments ${args.join(' ')}`);
      assert.doesNotThrow(() => selectServices(services, picked));
    });

    it(`${name} settings exist and parse`, () => {
      const environment = service.environment ?? {};
      for (const [variable, value] of Object.entries(environment)) {
        const spec = known.get(variable);
        assert.ok(spec, `${variable} is not a PaaS-Shack setting`);
        assert.doesNotThrow(() => spec.parse(String(value)), `${variable}=${value} is invalid`);
      }
      assert.doesNotThrow(() => readSettings(platformSettings, environment));
    });
  }

  it('Dockerfile settings exist', () => {
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    const variables = [...dockerfile.matchAll(/\b(PAAS_[A-Z_]+)=/g)].map((m) => m[1]);
    assert.ok(variables.length > 0);
    for (const variable of variables)
      assert.ok(known.has(variable), `${variable} is not a PaaS-Shack setting`);
  });
});
