/**
 * Measures the proxy service's request rate against nginx, both as reverse proxies in front of
 * the same upstream on the same machine, with wrk as the client. Prints a Markdown table of
 * median rates and median p99 latencies, and the ratio of the rates.
 *
 * Usage: node dist/bench/proxy.js [--runs 3] [--seconds 5] [--connections 32]
 * Needs nginx and wrk. Everything listens on 127.0.0.1 only; nginx runs from a private prefix
 * with its own config file, never the system one.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { startStack } from '../bin/stack';

const run = promisify(execFile);
const HOST = 'bench.example.test';
const BODY_BYTES = 1024;

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
  },
});
const runs = Number(values.runs);
const seconds = Number(values.seconds);
const connections = Number(values.connections);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts the upstream in its own process, so that it does not share an event loop with the proxy. */
function startUpstream(port: number): ChildProcess {
  const script = `require('http').createServer((q,s)=>{q.resume();s.writeHead(200,{'content-type':'text/plain'});s.end('x'.repeat(${BODY_BYTES}))}).listen(${port},'127.0.0.1',()=>console.log('ready'))`;
  return spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
}

function nginxConfig(port: number, upstreamPort: number, dir: string): string {
  return `worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream app { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
    }
  }
}
`;
}

interface WrkResult {
  requestsPerSecond: number;
  p99Ms: number;
  errors: number;
}

async function wrk(port: number): Promise<WrkResult> {
  const { stdout } = await run('wrk', [
    '-t2',
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
    '-H',
    `Host: ${HOST}`,
    `http://127.0.0.1:${port}/`,
  ]);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(stdout);
  const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: .*/.exec(stdout);
  if (!rate || !p99) throw new Error(`unexpected wrk output:\n${stdout}`);
  const scale = { us: 0.001, ms: 1, s: 1000 }[p99[2] as 'us' | 'ms' | 's'];
  return {
    requestsPerSecond: Number(rate[1]),
    p99Ms: Number(p99[1]) * scale,
    errors: errors ? Number(errors[1] ?? 1) : 0,
  };
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'paas-bench-proxy-'));
  const upstreamPort = await freePort();
  const nginxPort = await freePort();
  const upstream = startUpstream(upstreamPort);
  await new Promise((resolve) => upstream.stdout!.once('data', resolve));

  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(dir, sub));
  writeFileSync(path.join(dir, 'nginx.conf'), nginxConfig(nginxPort, upstreamPort, dir));
  const nginx = spawn(
    'nginx',
    ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'],
    {
      stdio: 'inherit',
    },
  );

  const stack = await startStack({
    only: ['proxy', 'gateway'],
    env: {
      PAAS_DATA_DIR: dir,
      PAAS_GATEWAY_PORT: '0',
      PAAS_PROXY_GRAPHQL_PORT: '0',
      PAAS_PROXY_PORT: '0',
      PAAS_PROXY_HOST: '127.0.0.1',
      PAAS_PROXY_ACCESS_LOG_LEVEL: 'silent',
      PAAS_LOG_LEVEL: 'warn',
      PAAS_REVISION_POLL_INTERVAL: '0',
    },
  });
  try {
    const response = await fetch(stack.gateway!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($input: CreateRouteInput!) { createRoute(input: $input) { id } }',
        variables: {
          input: { host: HOST, targets: [{ url: `http://127.0.0.1:${upstreamPort}` }] },
        },
      }),
    });
    if (!response.ok) throw new Error(`createRoute failed: ${await response.text()}`);
    const proxyPort = (stack.service('proxy').instance.status() as { proxy: { port: number } })
      .proxy.port;

    const results: Record<'proxy' | 'nginx', WrkResult[]> = { proxy: [], nginx: [] };
    // Alternating runs spread any drift of the machine's load over both servers.
    for (let i = 0; i < runs; i++) {
      results.proxy.push(await wrk(proxyPort));
      results.nginx.push(await wrk(nginxPort));
    }
    const rate = (name: 'proxy' | 'nginx') => median(results[name].map((r) => r.requestsPerSecond));
    const p99 = (name: 'proxy' | 'nginx') => median(results[name].map((r) => r.p99Ms));
    console.log(`| server | requests/s (median of ${runs}) | p99 latency ms (median) | errors |`);
    console.log('|---|---|---|---|');
    for (const name of ['proxy', 'nginx'] as const) {
      const errors = results[name].reduce((sum, r) => sum + r.errors, 0);
      console.log(`| ${name} | ${rate(name).toFixed(0)} | ${p99(name).toFixed(2)} | ${errors} |`);
    }
    console.log(`\nproxy / nginx request rate: ${(rate('proxy') / rate('nginx')).toFixed(2)}`);
    console.log(`runs: ${JSON.stringify(results)}`);
  } finally {
    await stack.stop();
    nginx.kill('SIGQUIT');
    upstream.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
