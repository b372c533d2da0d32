import { Logger, type DynamicModule } from '@nestjs/common';
import { CONFIG_SECTIONS, readSection, type FilterConfig } from '@spamfilter/config';
import {
  AuthGuardLedger,
  MemoryCounterStore,
  type AuthGuardLimits,
  type CounterStore,
} from '@spamfilter/counters';
import { DEFAULT_WEIGHTS, SymbolRegistry } from '@spamfilter/scoring';
import { MemoryBayesStore, SpamClassifier } from '@spamfilter/bayes';
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from '@spamfilter/mail';
import { AnalysisPool, DEFAULT_POOL } from '../analysis/analysis-pool';
import { AuthGuardService } from '../auth-guard/auth-guard.service';
import { InlineAnalysis, type AnalysisRunner, type AnalysisStats } from '../analysis/message-analysis';
import { AntivirusCheck, type VirusScanner } from '../checks/antivirus/antivirus.check';
import { ClamdClient, parseClamdAddress } from '../checks/antivirus/clamd-client';
import type { ArchiveLimits } from '../checks/archive/archive-inspector';
import { ArchiveCheck } from '../checks/archive/archive.check';
import { AuthCheck } from '../checks/auth/auth.check';
import { bulkSignals } from '../checks/bayes/bulk-signals';
import { CampaignCheck, type CampaignSource } from '../checks/campaign/campaign.check';
import { BayesCheck, type BayesUserDirectory } from '../checks/bayes/bayes.check';
import { ContentCheck } from '../checks/content/content.check';
import { DnsblCheck } from '../checks/dnsbl/dnsbl.check';
import { EnvelopeCheck } from '../checks/envelope/envelope.check';
import { parseDnsblZones } from '../checks/dnsbl/dnsbl-zones';
import { InMemoryListSource, type ListSource } from '../checks/lists/list-source';
import { ListsCheck } from '../checks/lists/lists.check';
import { RdnsCheck } from '../checks/rdns/rdns.check';
import { ReputationCheck } from '../checks/reputation/reputation.check';
import type { Check } from '../pipeline/check';
import { Clock, RandomSource, ReferenceIdGenerator } from './clock';
import { NodeDnsResolver, OffDnsResolver, type DnsResolver } from './dns/dns-resolver';
import { GreylistService, InMemoryGreylistStore, type GreylistStore } from './greylist.service';
import { HealthService, type DependencyHealth, type HealthProbe } from './health.service';
import { MetricsService } from './metrics.service';
import {
  DbBayesUsers,
  DbListSource,
  DbPolicySource,
  DbScanLogSink,
  RecipientDirectory,
} from './persistence/db-adapters';
import type { FilterDatabase } from './persistence/filter-database';
import { ReputationSync } from './persistence/reputation-sync';
import { ScanLogThread } from './persistence/scan-log-thread';
import { InMemoryPolicySource, PolicyService, type PolicySource } from './policy.service';
import { RecipientService } from './recipient.service';
import { DbQuarantineStore, MemoryQuarantineStore, type QuarantineStore } from './quarantine.store';
import { ReputationService } from './reputation.service';
import { ScanLogWriter, type ScanLogSink } from './scan-log.writer';
import { FRAMING_SYMBOL, RELEASE_TICKET_SYMBOL, ScanService, type ScanExtensions } from './scan.service';
import { DbReleaseTickets, NoReleaseTickets, type ReleaseTickets } from './release-tickets';

/**
 * The adapters a process binds (launcher, integration tests): every side effect of the filter is one of these.
 * Anything left out gets the embedded default (in-memory lists/policies/counters, no message log sink, DNS per
 * configuration).
 */
export interface FilterDependencies {
  /**
   * The database (libs/persistence): lists, policy layers, recipients' users and the message log come from it unless
   * given explicitly below. Absent: in-memory lists/policies and no message log.
   */
  readonly database?: FilterDatabase;
  readonly dns?: DnsResolver;
  readonly lists?: ListSource;
  readonly policies?: PolicySource;
  readonly greylistStore?: GreylistStore;
  /** null: no message log (embedded default without a database). */
  readonly scanLog?: ScanLogSink | null;
  /** Where quarantined copies are kept. Default: the database's store, or a bounded in-memory one without a database. */
  readonly quarantine?: QuarantineStore;
  /** The API's release tickets. Default: the database's, or none without a database. */
  readonly tickets?: ReleaseTickets;
  readonly clock?: Clock;
  readonly random?: RandomSource;
  /**
   * The Bayes model (global + per-user layers) and who the recipients are. Default: with a database, the learner's
   * model (createFilterApp, bayes-model.ts); without one, an empty in-memory model.
   */
  readonly bayes?: { readonly classifier: SpamClassifier; readonly users?: BayesUserDirectory };
  /** Campaigns confirmed by users' marks (CampaignCheck); default: none (createFilterApp loads them with a database). */
  readonly campaigns?: CampaignSource;
  /** The antivirus check's scanner; default: a ClamdClient on CLAMAV_ADDRESS (no antivirus check when that is empty). */
  readonly virusScanner?: VirusScanner;
  /** Further checks (outbound), run with the built-in ones. */
  readonly extraChecks?: readonly Check[];
  readonly extensions?: ScanExtensions;
  /** Further Nest modules with routes of their own (the outbound delivery reports). */
  readonly modules?: readonly DynamicModule[];
  /** Health probes by dependency name: database, bus, counters. */
  readonly health?: Readonly<Record<string, HealthProbe>>;
  /** libs/mail limits for parsing scanned messages: the MAIL_PARSE_* keys (createFilterApp passes them). Default: libs/mail's. */
  readonly parseLimits?: ParseLimits;
  /** Collect node's default process metrics in /metrics (off in tests that create many apps). */
  readonly defaultMetrics?: boolean;
  /**
   * SMTP AUTH abuse protection (POST /v1/auth/*): the counter store holding its counts (COUNTERS, which the API lists
   * and clears them from) and its limits (AUTH_GUARD_*). Default: a store of its own in memory, the documented limits.
   */
  readonly authGuard?: { readonly counters?: CounterStore; readonly limits?: AuthGuardLimits };
}

const dnsblLogger = new Logger('Dnsbl');

/** SCAN_THREADS in /health: degraded once the pool has stopped replacing threads that die (scans go on, inline). */
function analysisHealth(s: AnalysisStats): DependencyHealth & Record<string, unknown> {
  if (s.threads === 0) return { state: 'up', detail: 'on the main thread (SCAN_THREADS=0)', ...s };
  if (s.gaveUp)
    return {
      state: 'degraded',
      detail: `analysis threads keep dying, analysing on the main thread: ${s.lastError ?? 'no error given'}`,
      ...s,
    };
  return {
    state: 'up',
    detail: s.ready < s.threads ? `${s.ready} of ${s.threads} threads started` : `${s.threads} thread(s)`,
    ...s,
  };
}

/** The filter's object graph, composed once per app (the composition root; Nest providers wrap it). */
export class FilterServices {
  readonly clock: Clock;
  readonly dns: DnsResolver;
  readonly registry: SymbolRegistry;
  readonly checks: readonly Check[];
  readonly lists: ListSource;
  readonly directory: RecipientDirectory | null;
  readonly database: FilterDatabase | null;
  readonly reputationSync: ReputationSync | null;
  readonly bayes: BayesCheck;
  readonly policySource: PolicySource;
  readonly policies: PolicyService;
  readonly greylist: GreylistService;
  readonly reputation: ReputationService;
  readonly log: ScanLogWriter;
  /** The message log's inserts on their own thread (SCAN_LOG_THREAD), or null: on this thread, or no log. */
  readonly logThread: ScanLogThread | null;
  readonly metrics: MetricsService;
  readonly ids: ReferenceIdGenerator;
  readonly analysis: AnalysisRunner;
  readonly scan: ScanService;
  readonly recipient: RecipientService;
  readonly authGuard: AuthGuardService;
  readonly health: HealthService;
  readonly quarantine: QuarantineStore;
  readonly tickets: ReleaseTickets;
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly firstSweep: NodeJS.Timeout;
  private readonly dnsblErrorCounts = new Map<string, number>();

  constructor(
    readonly config: FilterConfig,
    deps: FilterDependencies = {},
  ) {
    this.clock = deps.clock ?? new Clock();
    this.dns =
      deps.dns ??
      (config.dns === 'off'
        ? new OffDnsResolver()
        : new NodeDnsResolver({
            servers: config.dns === 'servers' ? config.dnsServers : [],
            timeoutMs: config.dnsTimeoutMs,
            cacheSeconds: config.dnsCacheSeconds,
            cacheEntries: config.dnsCacheEntries,
            now: () => this.clock.now(),
          }));
    this.database = deps.database ?? null;
    const directory = deps.database
      ? new RecipientDirectory(deps.database, 60_000, () => this.clock.now())
      : null;
    this.directory = directory;
    this.lists =
      deps.lists ??
      (deps.database
        ? new DbListSource(deps.database, 10_000, () => this.clock.now())
        : new InMemoryListSource());
    this.reputation = new ReputationService({
      halfLifeHours: config.reputationHalfLifeHours,
      selfSpamScore: config.reputationSelfSpamScore,
      maxEntries: 500_000,
      now: () => this.clock.now(),
    });
    this.reputationSync = deps.database ? new ReputationSync(deps.database, this.reputation) : null;
    this.reputationSync?.start();
    this.bayes = new BayesCheck(
      deps.bayes?.classifier ?? new SpamClassifier(new MemoryBayesStore()),
      deps.bayes?.users ?? (directory ? new DbBayesUsers(directory) : undefined),
    );
    const builtIn: Check[] = [
      new ListsCheck(this.lists),
      new ContentCheck({ marketingPhrases: config.marketingPhrases }),
      new EnvelopeCheck(),
      new ReputationCheck(this.reputation),
      this.bayes,
      new CampaignCheck(deps.campaigns),
    ];
    this.metrics = new MetricsService(deps.defaultMetrics ?? false);
    // DNSBL zones are not even constructed with DNS off: they would report nothing and cost a promise each. The
    // auth check is, so its symbols (and the policy's DMARC rules over them) are known and Authentication-Results
    // says "none" rather than nothing.
    builtIn.push(new RdnsCheck(this.dns));
    builtIn.push(new AuthCheck(this.dns, { mta: config.mta, trustedArcSealers: config.arcTrustedSealers }));
    if (this.dns.enabled) {
      const zones = parseDnsblZones(config.dnsblZones, config.dnsblCodes);
      if (zones.length > 0)
        builtIn.push(new DnsblCheck(this.dns, zones, (zone, code) => this.dnsblError(zone, code)));
    }
    const parseLimits = deps.parseLimits ?? DEFAULT_PARSE_LIMITS;
    const archive: ArchiveLimits | null = config.archiveInspect
      ? {
          maxDepth: config.archiveMaxDepth,
          maxInflateBytes: config.archiveMaxInflateBytes,
          maxExpandedBytes: config.archiveMaxExpandedBytes,
        }
      : null;
    if (archive) builtIn.push(new ArchiveCheck(archive, parseLimits));
    const antivirus = this.antivirus(config, deps.virusScanner);
    if (antivirus) builtIn.push(new AntivirusCheck(antivirus.scanner, { maxBytes: config.clamavMaxBytes }));
    this.checks = [...builtIn, ...(deps.extraChecks ?? [])];
    this.registry = new SymbolRegistry(
      [
        ...this.checks.flatMap((c) => c.symbols),
        ...this.checks.map((c) => ({
          name: c.tempfail,
          group: 'system' as const,
          description: `${c.name} check failed or timed out`,
          defaultWeight: 0,
        })),
        {
          name: 'GREYLIST',
          group: 'greylist' as const,
          description: 'Greylisting triplet state',
          defaultWeight: 0,
        },
        // Refused before scoring (scan.service.ts): the record shows why; the weight plays no part.
        {
          name: FRAMING_SYMBOL,
          group: 'system' as const,
          description: 'Bare CR or NUL in the message (RFC 5321 §2.3.8): refused',
          defaultWeight: 0,
        },
        {
          name: RELEASE_TICKET_SYMBOL,
          group: 'system' as const,
          description:
            'A release ticket of the API that did not redeem (unknown, expired, used, or for another body, sender or recipients)',
          defaultWeight: DEFAULT_WEIGHTS.RELEASE_TICKET_INVALID,
        },
      ].filter((d, i, all) => all.findIndex((x) => x.name === d.name) === i),
    );
    this.policySource =
      deps.policies ??
      (deps.database && directory
        ? new DbPolicySource(deps.database, directory)
        : new InMemoryPolicySource());
    this.policies = new PolicyService(this.policySource, () => this.registry.names());
    this.greylist = new GreylistService(
      deps.greylistStore ?? new InMemoryGreylistStore(this.clock),
      this.clock,
    );
    let sink = deps.scanLog ?? null;
    this.logThread = null;
    if (deps.scanLog === undefined && deps.database && directory) {
      const db = deps.database;
      this.logThread =
        config.logThread && ScanLogThread.supports(db.config) ? new ScanLogThread(db.config) : null;
      sink = new DbScanLogSink(db, directory, this.logThread);
    }
    this.log = new ScanLogWriter(sink, {
      batchSize: config.logBatchSize,
      flushMs: config.logFlushMs,
      bufferMax: config.logBufferMax,
    });
    this.log.onDrop = (n) => this.metrics.logDropped.inc(n);
    this.ids = new ReferenceIdGenerator(this.clock, deps.random ?? new RandomSource());
    // The analysis uses the classifier's own options, so the tokens it prepares are the ones the model knows.
    const analysis = {
      parseLimits,
      classifier: this.bayes.classifier.options,
      marketingPhrases: config.marketingPhrases,
      archive,
    };
    this.analysis =
      config.scanThreads > 0
        ? new AnalysisPool(analysis, {
            ...DEFAULT_POOL,
            threads: config.scanThreads,
            answerTimeoutMs: config.deadlineMs,
          })
        : new InlineAnalysis(analysis);
    this.quarantine =
      deps.quarantine ??
      (deps.database && directory
        ? new DbQuarantineStore(deps.database, directory)
        : new MemoryQuarantineStore());
    this.tickets =
      deps.tickets ??
      (deps.database ? new DbReleaseTickets(deps.database, () => this.clock.now()) : new NoReleaseTickets());
    // Retention: hourly, and once shortly after start (a failed sweep is retried the next hour); expired release
    // tickets go with it.
    const sweep = (): void => {
      const now = new Date(this.clock.now());
      this.quarantine.sweep(now).then(
        (n) => this.metrics.quarantineSwept.inc(n),
        () => undefined,
      );
      this.tickets.sweep(now).catch(() => undefined);
    };
    this.sweepTimer = setInterval(sweep, 3_600_000);
    this.sweepTimer.unref();
    this.firstSweep = setTimeout(sweep, 60_000);
    this.firstSweep.unref();
    this.scan = new ScanService({
      checks: this.checks,
      registry: this.registry,
      policies: this.policies,
      greylist: this.greylist,
      reputation: this.reputation,
      log: this.log,
      ids: this.ids,
      clock: this.clock,
      metrics: this.metrics,
      pipeline: { checkTimeoutMs: config.checkTimeoutMs, deadlineMs: config.deadlineMs },
      analysis: this.analysis,
      quarantine: this.quarantine,
      quarantineRetentionMs: config.quarantineRetentionDays * 86_400_000,
      tickets: this.tickets,
      extensions: {
        training: (ctx, verdict) => ({
          ...this.bayes.training(ctx),
          ...bulkSignals(verdict.symbols, ctx.message.from?.address ?? null),
        }),
        ...deps.extensions,
      },
      ...(antivirus
        ? { unscanned: { tempfails: new Set(['CLAMAV_TEMPFAIL']), onFailure: config.clamavOnFailure } }
        : {}),
    });
    this.recipient = new RecipientService({
      lists: this.lists,
      registry: this.registry,
      policies: this.policies,
      greylist: this.greylist,
      ids: this.ids,
      log: this.log,
      clock: this.clock,
      tickets: this.tickets,
      hosting: directory,
    });
    const now = () => this.clock.now();
    this.authGuard = new AuthGuardService(
      new AuthGuardLedger(
        deps.authGuard?.counters ?? new MemoryCounterStore({ now }),
        deps.authGuard?.limits ?? readSection(CONFIG_SECTIONS.authGuard, {}),
        now,
      ),
      this.metrics,
    );
    this.health = new HealthService(this.dns, this.log, {
      analysis: () => Promise.resolve(analysisHealth(this.analysis.stats())),
      counters: () =>
        Promise.resolve({ state: 'embedded', detail: deps.greylistStore ? 'injected store' : 'in-memory' }),
      database: deps.database
        ? () => deps.database!.health()
        : () => Promise.resolve({ state: 'off', detail: 'no database configured for the filter' }),
      antivirus:
        antivirus?.health ??
        (() => Promise.resolve({ state: 'off', detail: 'CLAMAV_ADDRESS not set: no virus scanning' })),
      ...deps.health,
    });
    const dns = this.dns;
    this.metrics.readFrom({
      ...(dns instanceof NodeDnsResolver ? { dns: () => dns.stats } : {}),
      analysis: () => this.analysis.stats(),
      quarantine: () => this.quarantine.size(),
      dependencies: async () => (await this.health.report()).dependencies,
    });
  }

  /**
   * A DNSBL refused a query (127.255.255.x: e.g. asked through a public resolver, or over its free limit): counted
   * every time, logged at the 1st, 10th, 100th… time per zone and code so a misconfigured resolver is seen, not
   * flooded into the log.
   */
  private dnsblError(zone: string, code: string): void {
    this.metrics.dnsblErrors.inc({ zone, code });
    const key = `${zone} ${code}`;
    const n = (this.dnsblErrorCounts.get(key) ?? 0) + 1;
    if (this.dnsblErrorCounts.size < 1000 || this.dnsblErrorCounts.has(key))
      this.dnsblErrorCounts.set(key, n);
    if (/^10*$/.test(String(n)))
      dnsblLogger.warn(
        `${zone} answered ${code} (an error code, not a listing) ${n} time(s): check the resolver the filter uses (DNS_SERVERS) and the list's terms`,
      );
  }

  /**
   * The virus scanner when CLAMAV_ADDRESS is set (or one is injected), with its /health probe: clamd's VERSION answer
   * (engine and signature database), so a scanner that is down or has no database shows before mail is deferred.
   */
  private antivirus(
    config: FilterConfig,
    injected: VirusScanner | undefined,
  ): { scanner: VirusScanner; health: HealthProbe } | null {
    if (injected)
      return {
        scanner: injected,
        health: () => Promise.resolve({ state: 'up', detail: 'injected scanner' }),
      };
    if (config.clamavAddress === '') return null;
    const address = parseClamdAddress(config.clamavAddress);
    if (!address)
      throw new Error(
        `configuration: CLAMAV_ADDRESS is not a socket path or host:port: ${JSON.stringify(config.clamavAddress)}`,
      );
    const client = new ClamdClient({ address, timeoutMs: config.clamavTimeoutMs });
    return {
      scanner: client,
      health: async () => {
        const v = await client.version();
        return v.ok
          ? { state: 'up', detail: `${v.version} at ${config.clamavAddress}` }
          : { state: 'down', detail: v.reason };
      },
    };
  }

  /** Lists, policies or users changed (spamfilter.model.v1 policy changes, list edits): drop the caches. */
  invalidateCaches(): void {
    this.policies.invalidate();
    this.directory?.invalidate();
    if (this.lists instanceof DbListSource) this.lists.invalidate();
  }

  async close(): Promise<void> {
    clearInterval(this.sweepTimer);
    clearTimeout(this.firstSweep);
    await this.reputationSync?.stop();
    await this.log.close();
    await this.analysis.close();
    if (this.dns instanceof NodeDnsResolver) this.dns.close();
  }
}
