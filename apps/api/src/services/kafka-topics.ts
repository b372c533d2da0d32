import type { Admin } from 'kafkajs';

/** Creates the topics when missing (idempotent), as libs/messaging's bus does for the topics it publishes to. */
export async function ensureTopics(
  admin: Admin,
  topics: readonly string[],
  partitions: number,
  replicationFactor: number,
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor })),
    });
  } catch (err) {
    // Another client created it meanwhile.
    if (!(err instanceof Error && /already exists/i.test(err.message))) throw err;
  }
}
