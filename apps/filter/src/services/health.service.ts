import type { DnsResolver } from './dns/dns-resolver';
import type { ScanLogWriter } from './scan-log.writer';

export type DependencyState = 'up' | 'down' | 'degraded' | 'off' | 'embedded';

export interface DependencyHealth {
  readonly state: DependencyState;
  readonly detail?: string;
}

export type HealthProbe = () => Promise<DependencyHealth>;

/**
 * /health: the state of each dependency. The filter answers scans whatever their state (failures are TEMPFAIL
 * symbols, the log buffers), so the status is "ok" or "degraded", never a reason for a load balancer to drop the
 * instance unless the process itself is broken.
 */
export class HealthService {
  constructor(
    private readonly dns: DnsResolver,
    private readonly log: ScanLogWriter,
    private readonly probes: Readonly<Record<string, HealthProbe>>,
  ) {}

  async report(): Promise<{
    status: 'ok' | 'degraded';
    dependencies: Record<string, DependencyHealth & Record<string, unknown>>;
  }> {
    const deps: Record<string, DependencyHealth & Record<string, unknown>> = {};
    const log = this.log.stats();
    deps.messageLog = {
      state: log.healthy ? 'up' : 'degraded',
      ...log,
      ...(log.lastError ? { detail: log.lastError } : {}),
    };
    deps.dns = { state: this.dns.enabled ? 'up' : 'off' };
    await Promise.all(
      Object.entries(this.probes).map(async ([name, probe]) => {
        try {
          deps[name] = { ...(await withTimeout(probe(), 1000)) };
        } catch (err) {
          deps[name] = { state: 'down', detail: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
    const degraded = Object.values(deps).some((d) => d.state === 'down' || d.state === 'degraded');
    return { status: degraded ? 'degraded' : 'ok', dependencies: deps };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
