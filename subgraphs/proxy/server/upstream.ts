import http from 'node:http';
import https from 'node:https';
import { TrafficStats } from './traffic-stats';

export type TargetHealth = 'HEALTHY' | 'UNHEALTHY' | 'DISABLED';

/** Health rules of a route, applied to each of its targets. */
export interface HealthPolicy {
  /** Consecutive transport failures that eject a target; 0 turns passive ejection off. */
  maxFails: number;
  /** Without active checks, an ejected target is tried again after this long (ms). */
  failTimeoutMs: number;
  activeChecks: boolean;
  healthyThreshold: number;
  unhealthyThreshold: number;
}

/**
 * One target of one route at run time: its keep-alive agent, in-flight count, health and
 * counters. It outlives route reloads that keep its URL, so health and counters carry over.
 */
export class Upstream {
  /** The URL http-proxy forwards to: ws: and wss: become http: and https:. */
  readonly target: URL;
  readonly agent: http.Agent;
  weight = 1;
  enabled = true;
  /** Requests and WebSockets in flight. */
  active = 0;
  /** Smooth weighted round robin state (the algorithm nginx uses). */
  currentWeight = 0;
  consecutiveFailures = 0;
  checkPasses = 0;
  checkFailures = 0;
  down = false;
  downSince = 0;
  lastError: string | null = null;
  readonly stats = new TrafficStats();
  private retired = false;

  constructor(
    readonly url: string,
    idleTimeoutMs: number,
  ) {
    this.target = new URL(url.replace(/^ws(s?):/, 'http$1:'));
    // NOTE: https targets are verified against Node's CA bundle; self-signed targets fail (502).
    const options = { keepAlive: true, timeout: idleTimeoutMs, scheduling: 'lifo' as const };
    this.agent =
      this.target.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
  }

  available(policy: HealthPolicy, now: number): boolean {
    if (!this.enabled) return false;
    if (!this.down) return true;
    return !policy.activeChecks && now - this.downSince >= policy.failTimeoutMs;
  }

  health(): TargetHealth {
    if (!this.enabled) return 'DISABLED';
    return this.down ? 'UNHEALTHY' : 'HEALTHY';
  }

  acquire(): void {
    this.active += 1;
  }

  release(): void {
    this.active -= 1;
    if (this.retired && this.active === 0) this.agent.destroy();
  }

  /** Closes the agent once the requests still using it have finished. */
  retire(): void {
    this.retired = true;
    if (this.active === 0) this.agent.destroy();
  }

  /** Resets the failure streak and brings back a half-open target; returns true if it was down. */
  passiveSuccess(policy: HealthPolicy): boolean {
    this.consecutiveFailures = 0;
    if (this.down && !policy.activeChecks) return this.markUp();
    return false;
  }

  /** Returns true when this failure ejected the target. */
  passiveFailure(policy: HealthPolicy, reason: string, now: number): boolean {
    this.consecutiveFailures += 1;
    this.lastError = reason;
    if (this.down) {
      // A failed half-open attempt restarts the wait.
      this.downSince = now;
      return false;
    }
    if (policy.maxFails === 0 || this.consecutiveFailures < policy.maxFails) return false;
    return this.markDown(now);
  }

  /** Returns true when the check result changed the target's health. */
  checkResult(policy: HealthPolicy, passed: boolean, reason: string | null, now: number): boolean {
    if (passed) {
      this.checkFailures = 0;
      this.checkPasses += 1;
      if (this.down && this.checkPasses >= policy.healthyThreshold) return this.markUp();
      return false;
    }
    this.lastError = reason;
    this.checkPasses = 0;
    this.checkFailures += 1;
    if (!this.down && this.checkFailures >= policy.unhealthyThreshold) return this.markDown(now);
    return false;
  }

  private markDown(now: number): boolean {
    this.down = true;
    this.downSince = now;
    this.checkPasses = 0;
    return true;
  }

  private markUp(): boolean {
    this.down = false;
    this.consecutiveFailures = 0;
    this.checkFailures = 0;
    return true;
  }
}
