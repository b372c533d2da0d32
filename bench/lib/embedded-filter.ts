import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@spamfilter/config';
import { openDataSource } from '@spamfilter/persistence';
import { createFilterApp, type FilterApp } from '../../apps/filter/src/bootstrap';
import { FilterDatabase } from '../../apps/filter/src/services/persistence/filter-database';
import type { CorpusMessage } from './corpus';
import { trainModel, type TrainedModelSummary } from './trained-model';

export interface EmbeddedFilter {
  readonly app: FilterApp;
  /** Base URL, listening on 127.0.0.1 (any free port). */
  readonly url: string;
  /** What it was trained on, or null for an empty model. */
  readonly model: TrainedModelSummary | null;
  close(): Promise<void>;
}

/**
 * The filter of the embedded product, wired as scripts/embedded.ts wires it, in this process for the benchmarks: a
 * fresh SQLite file of its own (message log, lists, policies, the model), the in-process bus, in-memory counters and
 * outbound protection. With `training`, the model is first trained on those messages as the learner would leave it
 * (trained-model.ts); null: an empty model, which skips the per-token Bayes lookups a deployed filter does.
 */
export async function startEmbeddedFilter(
  env: Record<string, string>,
  training: readonly CorpusMessage[] | null,
): Promise<EmbeddedFilter> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-filter-'));
  const config = loadConfig({ ...env, DB_TYPE: 'sqlite', DB_SQLITE_PATH: join(dir, 'spamfilter.sqlite') });
  const dataSource = await openDataSource(config.database);
  let app: FilterApp | null = null;
  const close = async (): Promise<void> => {
    await app?.close();
    if (dataSource.isInitialized) await dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const model = training ? await trainModel(config, dataSource, training) : null;
    app = await createFilterApp(config, {
      database: new FilterDatabase(config.database, undefined, dataSource),
      connectCounters: true,
      connectBus: true,
      connectOutbound: true,
    });
    await threadsStarted(app, 60_000);
    const url = await app.listen(0, '127.0.0.1');
    return { app, url, model, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Waits until the filter's analysis threads (SCAN_THREADS) and its message-log thread (SCAN_LOG_THREAD) answer. Under
 * ts-node a thread compiles its TypeScript first (~2 s of CPU; built code starts in ~0.1 s): a measurement must not
 * count that, nor scans analysed inline meanwhile.
 */
async function threadsStarted(app: FilterApp, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = app.services.analysis.stats();
    if ((s.ready >= s.threads || s.gaveUp) && (app.services.logThread?.ready ?? true)) return;
    if (Date.now() > until)
      throw new Error(`filter threads not started in ${timeoutMs} ms: ${s.lastError ?? 'no error given'}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
