import { Counter, Gauge, type Aggregator, type Registry } from 'prom-client';

/** One value of a metric read on scrape, with its labels. */
export interface Sample<L extends string = string> {
  readonly labels?: Partial<Record<L, string>>;
  readonly value: number;
}

/** What a read-on-scrape source answers: one unlabelled value, samples, or null (no value now: the series is left out). */
export type Reading<L extends string> = number | readonly Sample<L>[] | null;

interface ScrapeMetricOptions<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
  readonly registers: Registry[];
  readonly read: () => Reading<L> | Promise<Reading<L>>;
  /**
   * A read that has not answered by then (a hung database) leaves the series out of this scrape instead of holding
   * the whole scrape until Prometheus gives up on it (its default scrape_timeout is 10 s). Default 2000 ms.
   */
  readonly timeoutMs?: number;
  /**
   * How a cluster's workers' values combine (prom-client's AggregatorRegistry): 'sum' (the default) for what each
   * process counts itself; 'max' or 'min' for a figure every process reads from the same place (a table's size).
   */
  readonly aggregator?: Aggregator;
}

const DEFAULT_TIMEOUT_MS = 2000;

/**
 * A gauge whose value is read when Prometheus scrapes (outbox backlog, quarantine size, consumer lag): nothing is
 * kept up to date between scrapes. A read that throws or times out leaves the series out — a missing series is
 * honest, a stale value or a made-up 0 is not — and never fails the scrape of the other metrics.
 */
export function gaugeReadOnScrape<L extends string = never>(o: ScrapeMetricOptions<L>): Gauge<L> {
  let present = true;
  const gauge = new Gauge<L>({
    name: o.name,
    help: o.help,
    labelNames: o.labelNames ?? [],
    registers: o.registers,
    aggregator: o.aggregator ?? 'sum',
    async collect() {
      const reading = await readWithin(o.read, o.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      this.reset();
      present = reading !== null;
      for (const s of samples(reading)) this.set((s.labels ?? {}) as never, s.value);
    },
  });
  return withoutAbsent(gauge, () => present);
}

/**
 * A counter whose running total another component keeps (AnalysisPool's inline analyses, the DNS resolver's
 * timeouts): the component counts in a plain field on its hot path, the metric reads the field on scrape. Totals
 * only grow within a process, as Prometheus expects of a counter.
 */
export function counterReadOnScrape<L extends string = never>(o: ScrapeMetricOptions<L>): Counter<L> {
  let present = true;
  const counter = new Counter<L>({
    name: o.name,
    help: o.help,
    labelNames: o.labelNames ?? [],
    registers: o.registers,
    aggregator: o.aggregator ?? 'sum',
    async collect() {
      const reading = await readWithin(o.read, o.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      this.reset();
      present = reading !== null;
      for (const s of samples(reading)) this.inc((s.labels ?? {}) as never, Math.max(0, s.value));
    },
  });
  return withoutAbsent(counter, () => present);
}

/** prom-client writes an unlabelled metric as 0 even after reset(): drop its values when the read had none. */
function withoutAbsent<M extends Gauge<string> | Counter<string>>(metric: M, present: () => boolean): M {
  const get = metric.get.bind(metric);
  metric.get = async () => {
    const m = await get();
    return present() ? m : { ...m, values: [] };
  };
  return metric;
}

function samples<L extends string>(reading: Reading<L>): readonly Sample<L>[] {
  if (reading === null) return [];
  return typeof reading === 'number' ? [{ value: reading }] : reading;
}

async function readWithin<L extends string>(
  read: () => Reading<L> | Promise<Reading<L>>,
  ms: number,
): Promise<Reading<L>> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(read),
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), ms);
        timer.unref();
      }),
    ]);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}
