#!/usr/bin/env node
// Readiness probe for scripts/services.sh: a real admin request (DescribeCluster via kafkajs), not an open port.
// Usage: node scripts/wait-kafka.js [broker=127.0.0.1:9092] [deadlineMs=60000]
// Retries until the broker answers with a controller and at least one broker, or the deadline passes.
// Prints one line; exit 0 when ready, 1 when not.
'use strict';
const { Kafka, logLevel } = require('kafkajs');

const broker = process.argv[2] || '127.0.0.1:9092';
const deadlineMs = Number(process.argv[3] || 60000);
const started = Date.now();

async function probeOnce() {
  const kafka = new Kafka({
    clientId: 'spamfilter-services-probe',
    brokers: [broker],
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0 || cluster.controller === null)
      throw new Error('no controller elected yet');
    return cluster;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function main() {
  let lastError = 'no attempt';
  for (;;) {
    try {
      const cluster = await probeOnce();
      const ms = Date.now() - started;
      console.log(
        `kafka ready: cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s), controller ${cluster.controller} (${ms} ms)`,
      );
      return 0;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() - started >= deadlineMs) {
      console.log(`kafka not ready after ${deadlineMs} ms: ${lastError}`);
      return 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

main().then((code) => process.exit(code));
