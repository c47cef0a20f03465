import http from 'node:http';
import https from 'node:https';
import type { Logger } from '../../../lib/log';
import type { HealthCheckData } from '../route-data';
import type { HealthPolicy, Upstream } from './upstream';

// NOTE: every replica of the proxy runs its own checks and keeps its own view of health. The
// check path is requested on the target's origin, without the target URL's base path.
/**
 * Active health checks of one route: every interval, one GET of the check path per enabled
 * target on a fresh connection. Redirects are not followed; only the expected status passes.
 */
export class HealthChecker {
  private timer: NodeJS.Timeout | undefined;
  private readonly running = new Set<Upstream>();
  private readonly requests = new Set<http.ClientRequest>();

  constructor(
    private readonly routeId: string,
    private readonly check: HealthCheckData,
    private readonly upstreams: () => Upstream[],
    private readonly policy: HealthPolicy,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.runAll(), this.check.intervalMs);
    this.timer.unref();
    this.runAll();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const request of this.requests) request.destroy();
  }

  private runAll(): void {
    for (const upstream of this.upstreams()) {
      // A check still waiting for its response is not started twice.
      if (!upstream.enabled || this.running.has(upstream)) continue;
      this.running.add(upstream);
      void this.probe(upstream).then(({ passed, reason }) => {
        this.running.delete(upstream);
        if (this.timer === undefined) return;
        const changed = upstream.checkResult(this.policy, passed, reason, Date.now());
        if (changed) {
          const fields = { route: this.routeId, target: upstream.url, health: upstream.health() };
          if (passed) this.logger.info(fields, 'target back in rotation after health checks');
          else
            this.logger.warn(
              { ...fields, reason },
              'target taken out of rotation by health checks',
            );
        }
      });
    }
  }

  private probe(upstream: Upstream): Promise<{ passed: boolean; reason: string | null }> {
    const target = upstream.target;
    const client = target.protocol === 'https:' ? https : http;
    return new Promise((resolve) => {
      const request = client.request(
        {
          protocol: target.protocol,
          hostname: target.hostname.replace(/^\[|\]$/g, ''),
          port: target.port,
          path: this.check.path,
          method: 'GET',
          agent: false,
          timeout: this.check.timeoutMs,
          headers: { host: target.host, 'user-agent': 'paas-shack-proxy-health-check' },
        },
        (response) => {
          response.resume();
          const passed = response.statusCode === this.check.expectedStatus;
          resolve({ passed, reason: passed ? null : `status ${response.statusCode}` });
          request.destroy();
        },
      );
      this.requests.add(request);
      request.on('close', () => this.requests.delete(request));
      request.on('timeout', () =>
        request.destroy(new Error(`timed out after ${this.check.timeoutMs} ms`)),
      );
      request.on('error', (err) => resolve({ passed: false, reason: err.message }));
      request.end();
    });
  }
}
