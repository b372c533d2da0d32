import type { SymbolHit } from '@spamfilter/domain';
import {
  MemoryBayesStore,
  messageFingerprint,
  SpamClassifier,
  type PreparedMessage,
  type SpamClassifierOptions,
} from '@spamfilter/bayes';
import { parseMessageSafe, type ParsedMessage, type ParseLimits } from '@spamfilter/mail';
import { ArchiveInspection, type ArchiveLimits } from '../checks/archive/archive-inspector';
import { ContentCheck } from '../checks/content/content.check';

/** Everything the analysis needs, as plain data: it crosses to worker threads (workerData). */
export interface AnalysisOptions {
  readonly parseLimits: ParseLimits;
  /** The options of the deployed classifier: its tokenizer and feature set decide the prepared tokens. */
  readonly classifier: SpamClassifierOptions;
  readonly marketingPhrases: readonly string[];
  /** Look into ZIP attachments during the parse (ARCHIVE_INSPECT), or null. */
  readonly archive: ArchiveLimits | null;
}

/**
 * What a scan computes from the raw bytes alone, before any check needs state: the parsed message, the Bayes tokens
 * and features, the message's fingerprint, the content heuristics' hits and what is inside its ZIP attachments. It depends on nothing but the bytes and
 * the options, so it can run on another thread (analysis-pool.ts); the checks on the main thread use it instead of
 * computing it again.
 */
export interface MessageAnalysis {
  readonly message: ParsedMessage;
  readonly prepared: PreparedMessage;
  readonly fingerprint: string;
  readonly contentHits: readonly SymbolHit[];
  /** What the archive inspection found (checks/archive); null when it is off. */
  readonly archiveHits: readonly SymbolHit[] | null;
}

/** Turns raw bytes into a MessageAnalysis; one per thread (it keeps a classifier and a content check). */
export class MessageAnalyser {
  private readonly classifier: SpamClassifier;
  private readonly content: ContentCheck;

  constructor(readonly options: AnalysisOptions) {
    // prepare() only reads the options; the empty store is never asked.
    this.classifier = new SpamClassifier(new MemoryBayesStore(), options.classifier);
    this.content = new ContentCheck({ marketingPhrases: options.marketingPhrases });
  }

  analyse(raw: Buffer): MessageAnalysis {
    // The archive inspection rides on the one MIME walk: attachments are decoded only when they start like a ZIP.
    const archives = this.options.archive ? new ArchiveInspection(this.options.archive) : null;
    const message = parseMessageSafe(raw, this.options.parseLimits, archives?.visit);
    return {
      message,
      prepared: this.classifier.prepare(message),
      fingerprint: messageFingerprint(raw),
      contentHits: this.content.evaluate(message),
      archiveHits: archives?.hits() ?? null,
    };
  }
}

export interface AnalysisStats {
  /** Worker threads configured (SCAN_THREADS); 0: everything on the main thread. */
  readonly threads: number;
  /** Threads started and answering. */
  readonly ready: number;
  /** Messages analysed on the main thread: all of them with 0 threads; otherwise the pool's fallbacks. */
  readonly inline: number;
  /** Threads replaced after dying. */
  readonly restarts: number;
  /** The pool stopped replacing dead threads (it analyses inline from then on). */
  readonly gaveUp: boolean;
  readonly lastError: string | null;
}

/** Port of the scan service: where analysis runs (this thread, or a pool of worker threads). */
export interface AnalysisRunner {
  analyse(raw: Buffer): Promise<MessageAnalysis>;
  stats(): AnalysisStats;
  close(): Promise<void>;
}

/** Analysis on the calling thread (SCAN_THREADS=0, and the fallback of the pool). */
export class InlineAnalysis implements AnalysisRunner {
  private readonly analyser: MessageAnalyser;
  private count = 0;

  constructor(options: AnalysisOptions) {
    this.analyser = new MessageAnalyser(options);
  }

  analyse(raw: Buffer): Promise<MessageAnalysis> {
    this.count++;
    return Promise.resolve(this.analyser.analyse(raw));
  }

  stats(): AnalysisStats {
    return { threads: 0, ready: 0, inline: this.count, restarts: 0, gaveUp: false, lastError: null };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
