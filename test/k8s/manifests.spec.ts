import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describeConfig } from '@spamfilter/config';

/**
 * The kustomize base must deploy what the code actually offers: probe paths the apps serve, environment keys the
 * configuration knows (an unknown key would be silently ignored), limits and probes on every container.
 */
const BASE = join(__dirname, '..', '..', 'k8s', 'base');
interface Probe {
  httpGet?: { path: string };
  tcpSocket?: { port: string };
}
interface Container {
  name: string;
  command?: string[];
  ports?: { name: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
  env?: { name: string }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { limits?: { cpu?: string; memory?: string } };
}
interface Doc {
  kind?: string;
  metadata?: { name?: string };
  spec?: {
    template: { spec: { containers: Container[]; volumes?: { name: string; configMap?: { name: string }; secret?: { secretName: string } }[] } };
    volumeClaimTemplates?: { metadata: { name: string } }[];
  };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
const docs: Doc[] = readdirSync(BASE)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((f) => parseAllDocuments(readFileSync(join(BASE, f), 'utf8')).map((d) => d.toJS() as Doc))
  .filter((d) => d !== null);
/** Deployments and StatefulSets. */
const deployments = docs.filter((d) => d.kind === 'Deployment' || d.kind === 'StatefulSet');
const containers = deployments.flatMap((d) =>
  d.spec!.template.spec.containers.map((c) => ({ deployment: d.metadata!.name!, c })),
);
const KNOWN_KEYS = new Set(describeConfig().map((r) => r.env));
const SERVED_PATHS = new Set(['/health', '/metrics']);

describe('k8s base', () => {
  it('lists every manifest in kustomization.yaml', () => {
    const kustomization = parseAllDocuments(
      readFileSync(join(BASE, 'kustomization.yaml'), 'utf8'),
    )[0]!.toJS() as { resources: string[] };
    const files = readdirSync(BASE).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(files.sort());
  });

  it('deploys filter, api, learner, the MX and submission', () => {
    expect(deployments.map((d) => d.metadata!.name).sort()).toEqual([
      'spamfilter-api',
      'spamfilter-filter',
      'spamfilter-haraka',
      'spamfilter-learner',
      'spamfilter-submission',
    ]);
  });

  it.each(containers.map(({ deployment, c }) => [deployment, c]))(
    '%s: probes on served paths, CPU and memory limits',
    (_name, c) => {
      expect(c.readinessProbe).toBeDefined();
      expect(c.livenessProbe).toBeDefined();
      expect(c.resources?.limits?.cpu).toBeDefined();
      expect(c.resources?.limits?.memory).toBeDefined();
      for (const probe of [c.readinessProbe, c.livenessProbe]) {
        if (probe?.httpGet) expect(SERVED_PATHS).toContain(probe.httpGet.path);
      }
    },
  );

  it('sets only configuration keys the product reads', () => {
    const envNames = containers.flatMap(({ c }) => (c.env ?? []).map((e) => e.name));
    const configMaps = docs.filter((d) => d.kind === 'ConfigMap' && d.metadata!.name === 'spamfilter-config');
    const secrets = docs.filter((d) => d.kind === 'Secret');
    const fromMaps = [...configMaps, ...secrets].flatMap((d) => Object.keys(d.data ?? d.stringData ?? {}));
    const unknown = [...envNames, ...fromMaps].filter((k) => !KNOWN_KEYS.has(k));
    expect(unknown).toEqual([]);
    expect(envNames.length + fromMaps.length).toBeGreaterThan(5);
  });

  it('points Haraka at the filter service', () => {
    const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata!.name === 'spamfilter-haraka-inbound');
    expect(cm?.data?.['spamfilter.ini']).toContain('url=http://spamfilter-filter:8025');
    expect(docs.some((d) => d.kind === 'Service' && d.metadata!.name === 'spamfilter-filter')).toBe(true);
  });

  it.each(['spamfilter-haraka', 'spamfilter-submission'])('%s: every mounted config file exists and Haraka listens on the container port', (name) => {
    const workload = deployments.find((d) => d.metadata!.name === name)!;
    const pod = workload.spec!.template.spec;
    const haraka = pod.containers[0]!;
    const mapOf = (volume: string): Record<string, string> | null => {
      const v = pod.volumes?.find((x) => x.name === volume);
      if (!v?.configMap) return null; // a Secret from the platform, or the persistent spool
      const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata!.name === v.configMap!.name);
      expect(cm).toBeDefined();
      return cm!.data!;
    };
    const configDir = `/app/${haraka.command![haraka.command!.length - 1]}/config/`;
    const files: Record<string, string> = {};
    for (const m of haraka.volumeMounts ?? []) {
      const data = mapOf(m.name);
      if (!data) continue;
      expect(Object.keys(data)).toContain(m.subPath);
      expect(m.mountPath.startsWith(configDir)).toBe(true);
      files[m.mountPath.slice(configDir.length)] = data[m.subPath!]!;
    }
    const port = /^listen=.*:(\d+)$/m.exec(files['smtp.ini'] ?? '');
    expect(port && Number(port[1])).toBe(haraka.ports![0]!.containerPort);
  });

  it('submission: AUTH only over TLS against the provider, outbound scoring, queue and held mail on a persistent volume', () => {
    const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata!.name === 'spamfilter-haraka-submission')!.data!;
    const plugins = cm.plugins!.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    // the quick start's sample account must never reach production
    expect(plugins).not.toContain('auth/flat_file');
    expect(plugins.indexOf('tls')).toBeLessThan(plugins.indexOf('auth/auth_proxy'));
    expect(plugins.indexOf('queue/quarantine')).toBeLessThan(plugins.indexOf('spamfilter'));
    expect(plugins.indexOf('spamfilter')).toBeLessThan(plugins.indexOf('queue/smtp_forward'));
    expect(cm['auth_proxy.ini']).toMatch(/^\[domains\]\n\S+=\S+/);
    expect(cm['spamfilter.ini']).toContain('url=http://spamfilter-filter:8025');
    expect(cm['spamfilter.ini']).toMatch(/direction=outbound/);
    expect(cm['spamfilter.ini']).toMatch(/require_auth=true/);
    expect(cm['smtp_forward.ini']).toMatch(/enable_outbound=true/);

    const sts = deployments.find((d) => d.metadata!.name === 'spamfilter-submission')!;
    expect(sts.kind).toBe('StatefulSet');
    const claims = (sts.spec!.volumeClaimTemplates ?? []).map((c) => c.metadata.name);
    const mounts = sts.spec!.template.spec.containers[0]!.volumeMounts!;
    const persistent = (path: string): boolean => mounts.some((m) => m.mountPath === path && claims.includes(m.name));
    expect(persistent('/app/haraka/outbound/queue')).toBe(true);
    const quarantine = /^quarantine_path=(.+)$/m.exec(cm['quarantine.ini']!)![1]!;
    expect(persistent(quarantine)).toBe(true);
    expect(docs.some((d) => d.kind === 'Service' && d.metadata!.name === 'spamfilter-submission-public')).toBe(true);
  });
});
