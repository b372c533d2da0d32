import type { Admin } from 'kafkajs';

/** Partitions of the product's topics: by user, so learners scale out by partition (DESIGN.md, "Scale"). */
export const TOPIC_PARTITIONS = 6;

/** Creates the topics when missing (idempotent; a single-broker cluster gets replication factor 1). */
export async function ensureTopics(admin: Admin, topics: readonly string[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length === 0) return;
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((topic) => ({ topic, numPartitions: TOPIC_PARTITIONS })),
  });
}
