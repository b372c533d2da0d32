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
  image?: string;
  command?: string[];
  args?: string[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
  };
  ports?: { name: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { limits?: { cpu?: string; memory?: string } };
}
type Labels = Record<string, string>;
interface Peer {
  podSelector?: { matchLabels?: Labels };
  namespaceSelector?: { matchLabels?: Labels };
  ipBlock?: { cidr: string };
}
interface PolicySpec {
  podSelector: { matchLabels?: Labels };
  policyTypes?: string[];
  ingress?: { from?: Peer[]; ports?: { protocol?: string; port: number | string }[] }[];
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: { name: string; configMap?: { name: string }; secret?: { secretName: string } }[];
  automountServiceAccountToken?: boolean;
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type: string } };
  topologySpreadConstraints?: {
    topologyKey: string;
    maxSkew: number;
    whenUnsatisfiable: string;
    labelSelector?: { matchLabels?: Labels };
  }[];
}
interface Doc {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
  spec?: {
    template: { metadata?: { labels?: Labels }; spec: PodSpec };
    volumeClaimTemplates?: { metadata: { name: string } }[];
    selector?: { matchLabels?: Labels };
    minAvailable?: number | string;
    maxUnavailable?: number | string;
    target?: { name: string; template?: { data?: Record<string, string> } };
    data?: { secretKey: string; remoteRef: { key: string; property?: string } }[];
  } & Partial<PolicySpec>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
const docs: Doc[] = readdirSync(BASE)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((f) => parseAllDocuments(readFileSync(join(BASE, f), 'utf8')).map((d) => d.toJS() as Doc))
  .filter((d) => d !== null);
/** Deployments and StatefulSets. */
const deployments = docs.filter((d) => d.kind === 'Deployment' || d.kind === 'StatefulSet');
const jobs = docs.filter((d) => d.kind === 'Job');
/** Every pod template: the workloads and the migration Job. */
const podOwners = [...deployments, ...jobs];
/** Secrets the platform writes outside the External Secrets Operator (CloudNativePG, cert-manager). */
const PLATFORM_SECRETS = new Set(['spamfilter-db-app', 'spamfilter-haraka-tls', 'spamfilter-submission-tls']);
const externalSecrets = docs.filter((d) => d.kind === 'ExternalSecret');
/** Keys of the Secret an ExternalSecret writes: its data keys, or its template's when it has one. */
function externalKeys(d: Doc): string[] {
  const template = d.spec!.target!.template?.data;
  return template ? Object.keys(template) : (d.spec!.data ?? []).map((x) => x.secretKey);
}
const OVERLAYS = join(__dirname, '..', '..', 'k8s', 'overlays');
const overlays = readdirSync(OVERLAYS).map((name) => ({
  name,
  kustomization: parseAllDocuments(
    readFileSync(join(OVERLAYS, name, 'kustomization.yaml'), 'utf8'),
  )[0]!.toJS() as {
    images?: { name: string; newTag?: string }[];
    patches?: { target: { kind: string; name?: string }; patch: string }[];
  },
}));
const containers = deployments.flatMap((d) =>
  d.spec!.template.spec.containers.map((c) => ({ deployment: d.metadata!.name!, c })),
);
/** FILTER_API_TOKEN: read by the filter (libs/config) and by the Haraka plugin from its environment. */
const TOKEN_KEY = 'FILTER_API_TOKEN';
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

  it("deploys filter, api, learner, the MX, submission and the filter's Redis", () => {
    expect(deployments.map((d) => d.metadata!.name).sort()).toEqual([
      'spamfilter-api',
      'spamfilter-filter',
      'spamfilter-haraka',
      'spamfilter-learner',
      'spamfilter-redis',
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
    // Redis's own container reads REDIS_PASSWORD, not the product's configuration
    const envNames = containers
      .filter(({ deployment }) => deployment !== 'spamfilter-redis')
      .flatMap(({ c }) => (c.env ?? []).map((e) => e.name));
    const configMaps = docs.filter((d) => d.kind === 'ConfigMap' && d.metadata!.name === 'spamfilter-config');
    // Secrets loaded whole into the environment (envFrom) must hold configuration keys only
    const envFromSecrets = new Set(
      containers.flatMap(({ c }) =>
        (c.envFrom ?? []).flatMap((e) => (e.secretRef ? [e.secretRef.name] : [])),
      ),
    );
    const fromSecrets = externalSecrets
      .filter((d) => envFromSecrets.has(d.spec!.target!.name))
      .flatMap(externalKeys);
    const fromMaps = configMaps.flatMap((d) => Object.keys(d.data ?? {}));
    const unknown = [...envNames, ...fromMaps, ...fromSecrets].filter((k) => !KNOWN_KEYS.has(k));
    expect(unknown).toEqual([]);
    expect(fromSecrets).toEqual([
      'API_BOOTSTRAP_OPERATOR_KEY',
      'RELEASE_SUBMISSION_USER',
      'RELEASE_SUBMISSION_PASSWORD',
    ]);
    expect(envNames.length + fromMaps.length).toBeGreaterThan(5);
    // overlays add configuration keys too
    for (const { kustomization } of overlays)
      for (const p of kustomization.patches ?? [])
        if (p.target.kind === 'ConfigMap')
          for (const m of p.patch.matchAll(/path: \/data\/(\w+)/g)) expect(KNOWN_KEYS).toContain(m[1]);
  });

  it("commits no Secret: every Secret a pod reads comes from an ExternalSecret or is named as the platform's", () => {
    expect(docs.filter((d) => d.kind === 'Secret')).toEqual([]);
    const written = new Map(externalSecrets.map((d) => [d.spec!.target!.name, externalKeys(d)]));
    const reads: { secret: string; key?: string }[] = [];
    for (const owner of podOwners) {
      const pod = owner.spec!.template.spec;
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
        for (const e of c.env ?? [])
          if (e.valueFrom?.secretKeyRef)
            reads.push({ secret: e.valueFrom.secretKeyRef.name, key: e.valueFrom.secretKeyRef.key });
        for (const e of c.envFrom ?? []) if (e.secretRef) reads.push({ secret: e.secretRef.name });
      }
      for (const v of pod.volumes ?? []) if (v.secret) reads.push({ secret: v.secret.secretName });
    }
    for (const { secret, key } of reads) {
      if (PLATFORM_SECRETS.has(secret)) continue;
      expect(written.has(secret) ? secret : `${secret} (no ExternalSecret writes it)`).toBe(secret);
      if (key) expect(written.get(secret)).toContain(key);
    }
    expect(reads.length).toBeGreaterThan(10);
    // every ExternalSecret reads through the one store the platform defines and owns the Secret it writes
    for (const d of externalSecrets) {
      expect(d.apiVersion).toBe('external-secrets.io/v1');
      expect((d.spec as unknown as { secretStoreRef: unknown }).secretStoreRef).toEqual({
        kind: 'ClusterSecretStore',
        name: 'spamfilter',
      });
      expect((d.spec!.target as unknown as { creationPolicy: string }).creationPolicy).toBe('Owner');
    }
  });

  it('builds REDIS_URL for the Redis it deploys, with the password Redis requires', () => {
    const redisSecret = externalSecrets.find((d) => d.spec!.target!.name === 'spamfilter-redis')!;
    const url = redisSecret.spec!.target!.template!.data!.REDIS_URL!;
    expect(url).toMatch(/^redis:\/\/:\{\{ \.password \| urlquery \}\}@spamfilter-redis:6379\/0$/);
    expect(docs.some((d) => d.kind === 'Service' && d.metadata!.name === 'spamfilter-redis')).toBe(true);
    const redis = deployments.find((d) => d.metadata!.name === 'spamfilter-redis')!.spec!.template.spec
      .containers[0]!;
    expect(redis.args!.join(' ')).toContain('--requirepass $(REDIS_PASSWORD)');
    expect(redis.env!.find((e) => e.name === 'REDIS_PASSWORD')!.valueFrom!.secretKeyRef).toEqual({
      name: 'spamfilter-redis',
      key: 'password',
    });
    // no persistence: the counters are short-lived by design
    expect(redis.args!.join(' ')).toMatch(/--save\s+--appendonly no/);
  });

  it('points Haraka at the filter service', () => {
    const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata!.name === 'spamfilter-haraka-inbound');
    expect(cm?.data?.['spamfilter.ini']).toContain('url=http://spamfilter-filter:8025');
    expect(docs.some((d) => d.kind === 'Service' && d.metadata!.name === 'spamfilter-filter')).toBe(true);
  });

  it.each(['spamfilter-haraka', 'spamfilter-submission'])(
    '%s: every mounted config file exists and Haraka listens on the container port',
    (name) => {
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
    },
  );

  it('submission: AUTH only over TLS against the provider, outbound scoring, the queue on a persistent volume, held mail not on disk', () => {
    const cm = docs.find(
      (d) => d.kind === 'ConfigMap' && d.metadata!.name === 'spamfilter-haraka-submission',
    )!.data!;
    const plugins = cm
      .plugins!.split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    // the quick start's sample account must never reach production
    expect(plugins).not.toContain('auth/flat_file');
    expect(plugins.indexOf('tls')).toBeLessThan(plugins.indexOf('auth/auth_proxy'));
    // Held mail is stored by the filter (its quarantine, in PostgreSQL) before it answers; nothing is filed on disk.
    expect(plugins).not.toContain('queue/quarantine');
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
    const persistent = (path: string): boolean =>
      mounts.some((m) => m.mountPath === path && claims.includes(m.name));
    expect(persistent('/app/haraka/outbound/queue')).toBe(true);
    expect(cm['quarantine.ini']).toBeUndefined();
    expect(
      docs.some((d) => d.kind === 'Service' && d.metadata!.name === 'spamfilter-submission-public'),
    ).toBe(true);
  });

  it('gives FILTER_API_TOKEN to the filter and both Haraka workloads from one Secret the base does not commit', () => {
    const refs = containers
      .map(({ deployment, c }) => ({ deployment, env: (c.env ?? []).find((e) => e.name === TOKEN_KEY) }))
      .filter((x) => x.env !== undefined);
    expect(refs.map((r) => r.deployment).sort()).toEqual([
      'spamfilter-filter',
      'spamfilter-haraka',
      'spamfilter-submission',
    ]);
    for (const { env } of refs) {
      expect(env!.value).toBeUndefined();
      expect(env!.valueFrom?.secretKeyRef).toEqual({
        name: refs[0]!.env!.valueFrom!.secretKeyRef!.name,
        key: 'token',
      });
    }
    const secretName = refs[0]!.env!.valueFrom!.secretKeyRef!.name;
    // the value comes from the platform, like the database's and TLS secrets: nothing in the base defines it
    expect(docs.filter((d) => d.kind === 'Secret').map((d) => d.metadata!.name)).not.toContain(secretName);
    for (const d of docs.filter((x) => x.kind === 'Secret' || x.kind === 'ConfigMap'))
      expect(Object.keys(d.data ?? d.stringData ?? {})).not.toContain(TOKEN_KEY);
  });

  const podLabels = (d: Doc): Labels => d.spec!.template.metadata!.labels!;
  const matches = (selector: Labels | undefined, labels: Labels): boolean =>
    Object.keys(selector ?? {}).length > 0 &&
    Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);

  it.each(deployments.map((d) => [d.metadata!.name!, d]))(
    '%s: a PodDisruptionBudget that never blocks a drain',
    (_name, workload) => {
      const pdbs = docs.filter(
        (d) =>
          d.kind === 'PodDisruptionBudget' && matches(d.spec!.selector?.matchLabels, podLabels(workload)),
      );
      expect(pdbs).toHaveLength(1);
      // maxUnavailable: "one at a time" at any HPA size, and a single-replica overlay can still be drained
      expect(pdbs[0]!.spec!.maxUnavailable).toBe(1);
      expect(pdbs[0]!.spec!.minAvailable).toBeUndefined();
    },
  );

  it('has no PodDisruptionBudget that selects no workload', () => {
    const pdbs = docs.filter((d) => d.kind === 'PodDisruptionBudget');
    for (const p of pdbs)
      expect(deployments.filter((w) => matches(p.spec!.selector?.matchLabels, podLabels(w)))).toHaveLength(1);
    expect(pdbs).toHaveLength(deployments.length);
  });

  it.each(deployments.map((d) => [d.metadata!.name!, d]))(
    '%s: spread over zones and nodes',
    (_name, workload) => {
      const spread = workload.spec!.template.spec.topologySpreadConstraints ?? [];
      expect(spread.map((t) => t.topologyKey).sort()).toEqual([
        'kubernetes.io/hostname',
        'topology.kubernetes.io/zone',
      ]);
      for (const t of spread) {
        expect(t.maxSkew).toBe(1);
        expect(matches(t.labelSelector?.matchLabels, podLabels(workload))).toBe(true);
      }
    },
  );

  it.each(podOwners.map((d) => [d.metadata!.name!, d]))(
    '%s: seccomp RuntimeDefault, non-root, every capability dropped, no API token',
    (_name, owner) => {
      const pod = owner.spec!.template.spec;
      expect(pod.securityContext?.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
        expect(c.securityContext?.allowPrivilegeEscalation).toBe(false);
        expect(c.securityContext?.capabilities?.drop).toEqual(['ALL']);
        expect(c.securityContext?.capabilities?.add).toBeUndefined();
      }
    },
  );

  describe('migrations', () => {
    const job = jobs.find((j) => j.metadata!.name === 'spamfilter-migrate')!;
    const config = docs.find(
      (d) => d.kind === 'ConfigMap' && d.metadata!.name === 'spamfilter-config',
    )!.data!;
    const dbUsers = deployments.filter((d) =>
      d.spec!.template.spec.containers.some((c) => (c.env ?? []).some((e) => e.name === 'DB_URL')),
    );

    it("run once per release in the spamfilter-migrate Job, with the workloads' image", () => {
      const c = job.spec!.template.spec.containers[0]!;
      expect(c.command).toEqual(['node', 'dist/libs/persistence/src/db.cli.js', 'migrate']);
      expect(c.image).toBe(dbUsers[0]!.spec!.template.spec.containers[0]!.image);
      expect(c.env!.find((e) => e.name === 'DB_URL')!.valueFrom!.secretKeyRef).toEqual({
        name: 'spamfilter-db-app',
        key: 'uri',
      });
      expect((job.spec!.template.spec as unknown as { restartPolicy: string }).restartPolicy).toBe('Never');
    });

    it('never at pod start: DB_MIGRATIONS_RUN=false for every workload that opens the database, which waits for the Job', () => {
      expect(dbUsers.map((d) => d.metadata!.name).sort()).toEqual([
        'spamfilter-api',
        'spamfilter-filter',
        'spamfilter-learner',
      ]);
      expect(config.DB_MIGRATIONS_RUN).toBe('false');
      for (const d of dbUsers) {
        const pod = d.spec!.template.spec;
        for (const c of pod.containers) {
          expect(c.envFrom?.map((e) => e.configMapRef?.name)).toContain('spamfilter-config');
          expect((c.env ?? []).map((e) => e.name)).not.toContain('DB_MIGRATIONS_RUN');
        }
        // `db pending` exits 1 while migrations are pending (the init container is retried), 2 when the database
        // is unreachable (let through: the filter runs degraded, the API says so itself)
        const wait = pod.initContainers?.find((c) => c.name === 'wait-for-schema');
        expect(wait?.command).toEqual([
          'sh',
          '-c',
          'node dist/libs/persistence/src/db.cli.js pending; [ $? -ne 1 ]',
        ]);
        expect(wait?.image).toBe(job.spec!.template.spec.containers[0]!.image);
      }
    });

    it.each(overlays.map((o) => [o.name, o.kustomization]))(
      '%s names the Job after the release it deploys',
      (_name, k) => {
        const tag = k.images?.find((i) => i.name === 'spamfilter')?.newTag;
        expect(tag).toBeDefined();
        const rename = (k.patches ?? []).find(
          (p) => p.target.kind === 'Job' && p.target.name === 'spamfilter-migrate',
        );
        expect(rename?.patch).toMatch(/path: \/metadata\/name/);
        expect(/value: (\S+)/.exec(rename!.patch)?.[1]).toBe(
          `spamfilter-migrate-${tag!.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`,
        );
      },
    );
  });

  describe('NetworkPolicies', () => {
    const policies = docs
      .filter((d) => d.kind === 'NetworkPolicy')
      .map((d) => ({ name: d.metadata!.name!, spec: d.spec as unknown as PolicySpec }));
    const labelsOf = (name: string): Labels =>
      podOwners.find((d) => d.metadata!.name === name)!.spec!.template.metadata!.labels!;
    const portOf = (name: string): number =>
      deployments.find((d) => d.metadata!.name === name)!.spec!.template.spec.containers[0]!.ports![0]!
        .containerPort;
    const selects = (selector: Labels | undefined, labels: Labels): boolean =>
      Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
    const DATABASE: Labels = { 'cnpg.io/cluster': 'spamfilter-db' };
    const REDIS: Labels = { 'app.kubernetes.io/name': 'spamfilter-redis' };

    /** Who may open a connection to pods with `labels` on `port`, by the union of every policy selecting them. */
    function reach(labels: Labels, port: number) {
      const out = {
        anywhere: false,
        workloads: new Set<string>(),
        namespaces: new Set<string>(),
        otherPods: [] as Labels[],
      };
      for (const p of policies) {
        if (!selects(p.spec.podSelector.matchLabels, labels)) continue;
        for (const rule of p.spec.ingress ?? []) {
          if (rule.ports && !rule.ports.some((x) => x.port === port)) continue;
          if (!rule.from || rule.from.length === 0) out.anywhere = true;
          for (const peer of rule.from ?? []) {
            if (peer.ipBlock) out.anywhere ||= peer.ipBlock.cidr === '0.0.0.0/0';
            else if (peer.namespaceSelector)
              out.namespaces.add(peer.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'] ?? '*');
            else {
              const ours = podOwners
                .filter((d) => selects(peer.podSelector?.matchLabels, labelsOf(d.metadata!.name!)))
                .map((d) => d.metadata!.name!);
              if (ours.length) ours.forEach((w) => out.workloads.add(w));
              else out.otherPods.push(peer.podSelector?.matchLabels ?? {});
            }
          }
        }
      }
      return { ...out, workloads: [...out.workloads].sort(), namespaces: [...out.namespaces].sort() };
    }

    it('deny all ingress in the namespace first', () => {
      const deny = policies.filter((p) => Object.keys(p.spec.podSelector.matchLabels ?? {}).length === 0);
      expect(deny).toHaveLength(1);
      expect(deny[0]!.spec.policyTypes).toEqual(['Ingress']);
      expect(deny[0]!.spec.ingress ?? []).toEqual([]);
    });

    it('let only the Haraka pods reach the filter, and the monitoring namespace scrape /metrics of the filter, API and learner', () => {
      const filter = reach(labelsOf('spamfilter-filter'), portOf('spamfilter-filter'));
      expect(filter).toEqual({
        anywhere: false,
        workloads: ['spamfilter-haraka', 'spamfilter-submission'],
        namespaces: ['monitoring'],
        otherPods: [],
      });
      for (const name of ['spamfilter-api', 'spamfilter-learner'])
        expect(reach(labelsOf(name), portOf(name)).namespaces).toContain('monitoring');
      // Haraka's SMTP ports are open to everyone anyway; its metrics port is k8s/monitoring's (a Component), not the base's
      for (const name of ['spamfilter-haraka', 'spamfilter-submission'])
        expect(reach(labelsOf(name), 9325)).toMatchObject({ anywhere: false, namespaces: [] });
    });

    it('let the API, the learner, the filter (which reads lists, policies and models and writes the message log) and the migration Job reach PostgreSQL, and no other workload', () => {
      const db = reach(DATABASE, 5432);
      expect(db.workloads).toEqual([
        'spamfilter-api',
        'spamfilter-filter',
        'spamfilter-learner',
        'spamfilter-migrate',
      ]);
      expect(db.anywhere).toBe(false);
      // CloudNativePG itself: instances replicate to each other, its operator reaches 5432 and 8000
      expect(db.otherPods).toEqual([DATABASE]);
      expect(db.namespaces).toEqual(['cnpg-system']);
      expect(reach(DATABASE, 8000).workloads).toEqual([]);
    });

    it('let only the filter (counters) and the API (AUTH lockouts for operators) reach Redis; the learner does without', () => {
      expect(reach(REDIS, 6379)).toEqual({
        anywhere: false,
        workloads: ['spamfilter-api', 'spamfilter-filter'],
        namespaces: [],
        otherPods: [],
      });
      const learnerEnv =
        deployments.find((d) => d.metadata!.name === 'spamfilter-learner')!.spec!.template.spec.containers[0]!
          .env ?? [];
      expect(learnerEnv).toContainEqual({ name: 'COUNTERS', value: 'memory' });
    });

    it("open Haraka's SMTP ports to everyone and the API's HTTP port to the ingress controller and Prometheus only", () => {
      expect(reach(labelsOf('spamfilter-haraka'), portOf('spamfilter-haraka')).anywhere).toBe(true);
      expect(reach(labelsOf('spamfilter-submission'), portOf('spamfilter-submission')).anywhere).toBe(true);
      expect(reach(labelsOf('spamfilter-api'), portOf('spamfilter-api'))).toEqual({
        anywhere: false,
        workloads: [],
        namespaces: ['ingress-nginx', 'monitoring'],
        otherPods: [],
      });
      // the learner: Prometheus only (its probes come from the node, which NetworkPolicies always admit)
      expect(reach(labelsOf('spamfilter-learner'), portOf('spamfilter-learner'))).toEqual({
        anywhere: false,
        workloads: [],
        namespaces: ['monitoring'],
        otherPods: [],
      });
    });

    it('name only ports the selected workloads listen on (a renumbered container port cannot leave a stale rule)', () => {
      const stale: string[] = [];
      for (const p of policies) {
        if (Object.keys(p.spec.podSelector.matchLabels ?? {}).length === 0) continue;
        for (const t of deployments.filter((d) =>
          selects(p.spec.podSelector.matchLabels, labelsOf(d.metadata!.name!)),
        )) {
          const listening = t.spec!.template.spec.containers.flatMap((c) =>
            (c.ports ?? []).map((x) => x.containerPort),
          );
          for (const rule of p.spec.ingress ?? [])
            for (const port of rule.ports ?? [])
              if (!listening.includes(Number(port.port)))
                stale.push(`${p.name}: ${t.metadata!.name!} does not listen on ${port.port}`);
        }
      }
      expect(stale).toEqual([]);
      expect(policies.length).toBeGreaterThanOrEqual(7);
    });
  });
});
