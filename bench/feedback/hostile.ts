/**
 * `npm run -s bench -- feedback --hostile [--sizes 100,1000,10000] [--marks 1000] [--victims 200] [--json]`
 *
 * Can one account move everyone's verdicts? On the real PostgreSQL, with the real learner (LearnerService, its caps and
 * agreement rules) and the filter's real scan pipeline (FilterServices: every local check, Bayes + the logistic
 * component, the scorer and the default policy; DNS off):
 * 1. a global layer of N trainings (Enron-Spam messages, neutral headers, half spam) — as the provider's ordinary users
 *    made it — and its logistic snapshot;
 * 2. the victims' held-out mail (`--victims` ham and as many spam, never trained) is scanned for a recipient with no
 *    training of their own;
 * 3. one consenting account (30 days old) marks `--marks` ham as spam (`ham-as-spam`), or, in a run of its own, as many
 *    spam as ham (`spam-as-ham`); each mark's scan-time facts are those the filter recorded (the global model's logit
 *    at scan time); the learner handles them in batches of 100;
 * 4. the logistic snapshot is retrained from the new global set, as LogisticTrainer would, and the victims' mail is
 *    scanned again with a fresh filter (no reputation carried over).
 * Reported per size, direction and rule set: how many marks reached the global layer, the victims' mean and largest
 * |Δscore|, and how many victim messages changed action (accept < 4 ≤ greylist < 6 ≤ tag < 15 ≤ reject).
 * `caps-only` is the learner before this change (LEARNER_GLOBAL_MIN_SUPPORT=0: the per-user caps alone);
 * `agreement` the default. Each run gets its own database, copied from a seeded template.
 */
import {
  GLOBAL_SCOPE,
  MemoryBayesStore,
  SpamClassifier,
  logisticModelConfig,
  messageFingerprint,
  scanTraining,
  spamClassifierOptions,
  trainLogistic,
  tokenFeatures,
  type LogisticExample,
  type OnlineLogistic,
} from '@spamfilter/bayes';
import { loadConfig, type AppConfig } from '@spamfilter/config';
import { parseMessageSafe } from '@spamfilter/mail';
import {
  BatchedBayesStore,
  DomainEntity,
  LogisticSnapshotRepository,
  TenantEntity,
  TypeOrmBayesStore,
  UserAccountEntity,
  openDataSource,
  runInTransaction,
} from '@spamfilter/persistence';
import { DEFAULT_POLICY, inGreylistBand, actionForScore } from '@spamfilter/scoring';
import { createHash, randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import pg from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { FilterServices } from '../../apps/filter/src/services/filter-services';
import { InMemoryPolicySource } from '../../apps/filter/src/services/policy.service';
import { LearnerBayesStores, LearnerService } from '../../apps/api/src/consumers/learner.service';
import type { FeedbackPayload } from '../../apps/api/src/services/feedback-payload';
import { createPostgresTestDatabase } from '../../test/persistence/test-databases';
import { loadMessages, readIndex, seededRandom, type CorpusEntry } from '../lib/corpus';

interface Args {
  sizes: number[];
  marks: number;
  victims: number;
  corpus: string;
  json: boolean;
}

export function parseHostileArgs(argv: readonly string[]): Args {
  const a: Args = {
    sizes: [100, 1000, 10000],
    marks: 1000,
    victims: 200,
    corpus: '.cache/corpus/enron',
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = (): string => String(argv[++i]);
    if (k === '--hostile') continue;
    if (k === '--sizes') a.sizes = v().split(',').map(Number);
    else if (k === '--marks') a.marks = Number(v());
    else if (k === '--victims') a.victims = Number(v());
    else if (k === '--corpus') a.corpus = v();
    else if (k === '--json') a.json = true;
    else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

const progress = (m: string): void => void process.stderr.write(`[hostile] ${m}\n`);
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;

interface Msg {
  readonly raw: Buffer;
  readonly label: 'spam' | 'ham';
  readonly fingerprint: string;
  readonly tokens: number[];
}

class Stores extends LearnerBayesStores {
  forTransaction(m: EntityManager): BatchedBayesStore {
    return new BatchedBayesStore(m);
  }
}

function bucket(score: number): string {
  if (inGreylistBand(score, DEFAULT_POLICY, 'inbound') && score < DEFAULT_POLICY.thresholds.tag)
    return 'greylist';
  return actionForScore(score, DEFAULT_POLICY, 'inbound');
}

/** The filter's score for a recipient without training of their own, for each victim message (a fresh filter). */
async function scoreVictims(
  config: AppConfig,
  ds: DataSource,
  lr: OnlineLogistic | null,
  victims: readonly Msg[],
): Promise<number[]> {
  const classifier = new SpamClassifier(TypeOrmBayesStore.of(ds), spamClassifierOptions(config.bayes));
  classifier.useLogistic(lr);
  const services = new FilterServices(config.filter, {
    policies: new InMemoryPolicySource(),
    bayes: { classifier },
  });
  const out: number[] = [];
  try {
    for (const [i, m] of victims.entries()) {
      const h = createHash('sha1').update(m.raw).digest();
      const v = await services.scan.scan(
        {
          clientIp: `198.${18 + (h[0]! & 1)}.${h[1]}.${h[2]}`,
          helo: 'mail.sender.example',
          mailFrom: '',
          rcptTo: [`victim${i % 7}@victims.example`],
          direction: 'inbound',
        },
        m.raw,
      );
      out.push(v.recipients[0]!.score);
    }
  } finally {
    await services.close();
  }
  return out;
}

async function retrain(ds: DataSource, config: AppConfig): Promise<OnlineLogistic | null> {
  const options = spamClassifierOptions(config.bayes);
  const model = logisticModelConfig(options);
  if (!model) return null;
  const set = await new LogisticSnapshotRepository(ds).newestGlobalTrainings(config.logistic.maxExamples);
  const examples: LogisticExample[] = set.map((t) => ({
    features: tokenFeatures(t.tokens, model.bits),
    label: t.label,
  }));
  return trainLogistic(examples, options.logistic!, model.passes);
}

export async function hostile(argv: string[]): Promise<void> {
  const args = parseHostileArgs(argv);
  const started = Date.now();
  const base = loadConfig({
    DNS_MODE: 'off',
    SCAN_THREADS: '0',
    SCAN_LOG_THREAD: 'false',
    BAYES_STARTER: 'off',
  });
  const prep = new SpamClassifier(new MemoryBayesStore(), spamClassifierOptions(base.bayes));
  const index = readIndex(args.corpus);
  const rnd = seededRandom(17);
  const shuffle = <T>(list: T[]): T[] => {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
    return list;
  };
  const ham = shuffle(index.filter((e) => e.label === 'ham'));
  const spam = shuffle(index.filter((e) => e.label === 'spam'));
  const maxGlobal = Math.max(...args.sizes);
  const take = (list: CorpusEntry[], n: number): CorpusEntry[] => list.splice(0, n);
  const load = (entries: CorpusEntry[]): Msg[] =>
    loadMessages(args.corpus, entries).map((m) => {
      const t = scanTraining(parseMessageSafe(m.raw), spamClassifierOptions(base.bayes).tokenizer);
      return { raw: m.raw, label: m.label, fingerprint: messageFingerprint(m.raw), tokens: [...t.tokens] };
    });
  const victims = load([...take(ham, args.victims), ...take(spam, args.victims)]);
  const hostileHam = load(take(ham, args.marks));
  const hostileSpam = load(take(spam, args.marks));
  // The global set: alternating classes so that every prefix is half spam.
  const globalEntries: CorpusEntry[] = [];
  for (let i = 0; i < maxGlobal; i++) globalEntries.push((i % 2 === 0 ? spam : ham).shift()!);
  const globalMsgs = load(globalEntries);
  progress(
    `corpus loaded: ${globalMsgs.length} global, ${victims.length} victims, ${args.marks}+${args.marks} hostile (${Math.round((Date.now() - started) / 1000)} s)`,
  );

  const rows: Record<string, unknown>[] = [];
  for (const size of args.sizes) {
    // The template: a migrated database with the global layer of `size` trainings and the hostile account.
    const template = await createPostgresTestDatabase();
    const seeded = await openDataSource(template.config);
    const userId = randomUUID();
    try {
      const set = globalMsgs.slice(0, size);
      const now = new Date();
      for (let i = 0; i < set.length; i += 1000) {
        const part = set.slice(i, i + 1000);
        await runInTransaction(seeded, async (m) => {
          const store = new BatchedBayesStore(m);
          await store.prefetch(part.map((x) => ({ scope: GLOBAL_SCOPE, fingerprint: x.fingerprint })));
          await store.prefetchTotals([GLOBAL_SCOPE]);
          for (const x of part)
            await store.train(GLOBAL_SCOPE, x.fingerprint, Uint32Array.from(x.tokens), x.label, now);
          await store.flush();
        });
      }
      const tenantId = randomUUID();
      const domainId = randomUUID();
      const old = new Date(Date.now() - 30 * 86_400_000);
      await seeded.getRepository(TenantEntity).insert({ id: tenantId, name: 'bench', createdAt: old });
      await seeded
        .getRepository(DomainEntity)
        .insert({ id: domainId, tenantId, name: 'hostile.example', createdAt: old });
      await seeded.getRepository(UserAccountEntity).insert({
        id: userId,
        tenantId,
        domainId,
        address: 'mallory@hostile.example',
        displayName: null,
        createdAt: old,
      });
    } finally {
      await seeded.destroy();
    }
    progress(`size ${size}: template seeded (${Math.round((Date.now() - started) / 1000)} s)`);

    for (const direction of ['ham-as-spam', 'spam-as-ham'] as const) {
      for (const rules of ['caps-only', 'agreement'] as const) {
        const runName = `spamfilter_h_${Math.floor(Date.now() / 1000)}_${randomUUID().slice(0, 8)}`;
        const admin = new pg.Client({
          connectionString: template.config.url.replace(/\/[^/]+$/, '/postgres'),
        });
        await admin.connect();
        await admin.query(
          `CREATE DATABASE ${runName} TEMPLATE ${new URL(template.config.url).pathname.slice(1)}`,
        );
        await admin.end();
        const url = template.config.url.replace(/\/[^/]+$/, `/${runName}`);
        const config = loadConfig({
          DNS_MODE: 'off',
          SCAN_THREADS: '0',
          BAYES_STARTER: 'off',
          DB_TYPE: 'postgres',
          DB_URL: url,
          LEARNER_SHARE_DEFAULT: 'true',
          ...(rules === 'caps-only' ? { LEARNER_GLOBAL_MIN_SUPPORT: '0' } : {}),
        });
        const ds = await openDataSource({ ...config.database, migrationsRun: false });
        try {
          const lr0 = await retrain(ds, config);
          const before = await scoreVictims(config, ds, lr0, victims);
          // The hostile account's marks, with the global model's verdict at scan time (before any of them).
          const marks = direction === 'ham-as-spam' ? hostileHam : hostileSpam;
          const label = direction === 'ham-as-spam' ? 'spam' : 'ham';
          const scanClassifier = new SpamClassifier(
            TypeOrmBayesStore.of(ds),
            spamClassifierOptions(config.bayes),
          );
          scanClassifier.useLogistic(lr0);
          const events: FeedbackPayload[] = [];
          for (const m of marks) {
            const v = await scanClassifier.classify(prep.prepare(parseMessageSafe(m.raw)), null);
            events.push({
              eventId: randomUUID(),
              userId,
              tenantId: 'bench',
              kind: 'learn',
              label,
              reference: null,
              messageId: m.fingerprint,
              occurredAt: new Date().toISOString(),
              training: {
                tokens: m.tokens,
                sender: null,
                listUnsubscribe: false,
                globalLogit: v.logit,
                dkimAligned: false,
                reputation: 'unknown',
              },
            });
          }
          const learner = new LearnerService(ds, new Stores(), config);
          for (let i = 0; i < events.length; i += 100) await learner.handleBatch(events.slice(i, i + 100));
          const [{ n }] = (await ds.query(
            'SELECT COUNT(*)::int AS n FROM learner_training WHERE trained_global',
          )) as { n: number }[];
          const lr1 = await retrain(ds, config);
          const after = await scoreVictims(config, ds, lr1, victims);
          const deltas = after.map((s, i) => s - before[i]!);
          const abs = deltas.map(Math.abs);
          const changed = after.filter((s, i) => bucket(s) !== bucket(before[i]!)).length;
          const moves = new Map<string, number>();
          after.forEach((s, i) => {
            const k = `${bucket(before[i]!)}→${bucket(s)}`;
            if (bucket(s) !== bucket(before[i]!)) moves.set(k, (moves.get(k) ?? 0) + 1);
          });
          const row = {
            size,
            direction,
            rules,
            marks: events.length,
            reachedGlobal: n,
            victims: victims.length,
            meanAbsDelta: round(abs.reduce((a, b) => a + b, 0) / abs.length),
            maxAbsDelta: round(Math.max(...abs)),
            meanDelta: round(deltas.reduce((a, b) => a + b, 0) / deltas.length),
            actionChanges: changed,
            moves: Object.fromEntries(moves),
            loadAverage: round(loadavg()[0]!, 2),
          };
          rows.push(row);
          progress(JSON.stringify(row));
        } finally {
          await ds.destroy();
          const c = new pg.Client({ connectionString: template.config.url.replace(/\/[^/]+$/, '/postgres') });
          await c.connect();
          await c.query(`DROP DATABASE IF EXISTS ${runName} WITH (FORCE)`);
          await c.end();
        }
      }
    }
    await template.drop();
  }
  if (args.json) for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
  else {
    process.stdout.write(
      '| global trainings | hostile marks | rules | reached global | victims mean abs Δscore | largest abs Δscore | action changes |\n|---|---|---|---|---|---|---|\n',
    );
    for (const r of rows)
      process.stdout.write(
        `| ${String(r.size)} | ${String(r.marks)} ${r.direction === 'ham-as-spam' ? 'ham as spam' : 'spam as ham'} | ${String(r.rules)} | ${String(r.reachedGlobal)} | ${String(r.meanAbsDelta)} | ${String(r.maxAbsDelta)} | ${String(r.actionChanges)} ${JSON.stringify(r.moves)} |\n`,
      );
  }
  progress(`done in ${Math.round((Date.now() - started) / 1000)} s`);
}
