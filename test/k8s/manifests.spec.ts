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
  env?: { name: string }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { limits?: { cpu?: string; memory?: string } };
}
interface Doc {
  kind?: string;
  metadata?: { name?: string };
  spec?: { template: { spec: { containers: Container[] } } };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
const docs: Doc[] = readdirSync(BASE)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((f) => parseAllDocuments(readFileSync(join(BASE, f), 'utf8')).map((d) => d.toJS() as Doc))
  .filter((d) => d !== null);
const deployments = docs.filter((d) => d.kind === 'Deployment');
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

  it('deploys filter, api, learner and haraka', () => {
    expect(deployments.map((d) => d.metadata!.name).sort()).toEqual([
      'spamfilter-api',
      'spamfilter-filter',
      'spamfilter-haraka',
      'spamfilter-learner',
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
});
