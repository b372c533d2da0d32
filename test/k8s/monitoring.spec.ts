import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * k8s/monitoring must fit the base it is included with: its PodMonitors select pods the base deploys on ports their
 * containers name, its patches target workloads that exist and set the variable the Haraka plugin reads, its
 * NetworkPolicy opens the port the patch adds. (test/observability/metrics.int-spec.ts checks the metric names.)
 */
const ROOT = join(__dirname, '..', '..', 'k8s');
const MONITORING = join(ROOT, 'monitoring');
type Labels = Record<string, string>;
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- YAML documents of many kinds
const load = (dir: string, file: string): Doc[] =>
  parseAllDocuments(readFileSync(join(dir, file), 'utf8'))
    .map((d) => d.toJS() as Doc)
    .filter((d) => d !== null);
const base = readdirSync(join(ROOT, 'base'))
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((f) => load(join(ROOT, 'base'), f));
const workloads = base.filter((d) => d.kind === 'Deployment' || d.kind === 'StatefulSet');
const kustomization = load(MONITORING, 'kustomization.yaml')[0]!;
const monitoring = (kustomization.resources as string[]).flatMap((f) => load(MONITORING, f));

/** matchLabels and `In` matchExpressions, the only forms used here. */
function selects(selector: Doc, labels: Labels): boolean {
  const ml = Object.entries((selector.matchLabels ?? {}) as Labels).every(([k, v]) => labels[k] === v);
  const me = (
    (selector.matchExpressions ?? []) as { key: string; operator: string; values: string[] }[]
  ).every((e) => e.operator === 'In' && e.values.includes(labels[e.key] ?? ''));
  return ml && me;
}
const labelsOf = (w: Doc): Labels => w.spec.template.metadata.labels as Labels;

describe('k8s/monitoring (a Component an overlay includes)', () => {
  it('is a kustomize Component listing every manifest of the folder', () => {
    expect(kustomization.kind).toBe('Component');
    const files = readdirSync(MONITORING).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    const patches = (kustomization.patches as { path: string }[]).map((p) => p.path);
    expect([...new Set([...(kustomization.resources as string[]), ...patches])].sort()).toEqual(files.sort());
    expect(kustomization.configMapGenerator[0].files).toEqual(['spamfilter.json=grafana-dashboard.json']);
  });

  it('scrapes the filter, API and learner on their http port and both Haraka workloads on the metrics port', () => {
    const scraped = new Map<string, string>();
    for (const pm of monitoring.filter((d) => d.kind === 'PodMonitor')) {
      expect(pm.spec.jobLabel).toBe('app.kubernetes.io/name');
      for (const w of workloads.filter((x) => selects(pm.spec.selector, labelsOf(x))))
        for (const ep of pm.spec.podMetricsEndpoints as { port: string; path: string }[]) {
          expect(ep.path).toBe('/metrics');
          scraped.set(w.metadata.name, ep.port);
        }
    }
    expect(Object.fromEntries(scraped)).toEqual({
      'spamfilter-filter': 'http',
      'spamfilter-api': 'http',
      'spamfilter-learner': 'http',
      'spamfilter-haraka': 'metrics',
      'spamfilter-submission': 'metrics',
    });
    for (const name of ['spamfilter-filter', 'spamfilter-api', 'spamfilter-learner']) {
      const ports = workloads.find((w) => w.metadata.name === name)!.spec.template.spec.containers[0]
        .ports as { name: string }[];
      expect(ports.map((p) => p.name)).toContain('http');
    }
  });

  it("turns on the plugin's endpoint on the port its NetworkPolicy opens to the monitoring namespace, and nothing else", () => {
    const patch = load(MONITORING, 'haraka-metrics-patch.yaml')[0] as unknown as {
      path: string;
      value: Doc;
    }[];
    const env = patch.find((op) => op.path.endsWith('/env/-'))!.value;
    const port = patch.find((op) => op.path.endsWith('/ports/-'))!.value;
    expect(env.name).toBe('SPAMFILTER_METRICS_LISTEN'); // haraka-plugins/spamfilter/lib/settings.js
    expect(env.value).toBe(`0.0.0.0:${port.containerPort}`);
    expect(port.name).toBe('metrics');
    const targets = (kustomization.patches as { target: { kind: string; name: string } }[]).map(
      (p) => p.target,
    );
    for (const t of targets) {
      const w = workloads.find((x) => x.kind === t.kind && x.metadata.name === t.name);
      expect(w).toBeDefined();
      // the JSON patch edits container 0: it must be Haraka, with env and ports to append to
      expect(w!.spec.template.spec.containers[0]).toMatchObject({
        name: 'haraka',
        env: expect.any(Array),
        ports: expect.any(Array),
      });
    }
    const policy = monitoring.find((d) => d.kind === 'NetworkPolicy')!;
    expect(policy.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: [{ protocol: 'TCP', port: port.containerPort }],
      },
    ]);
    expect(
      workloads
        .filter((w) => selects(policy.spec.podSelector, labelsOf(w)))
        .map((w) => w.metadata.name)
        .sort(),
    ).toEqual(targets.map((t) => t.name).sort());
  });
});
