import { configKey } from '../config-key';

export const messagingSection = {
  bus: configKey.oneOf('BUS', 'Event bus adapter', ['memory', 'kafka'] as const, 'memory'),
  kafkaBrokers: configKey.list('KAFKA_BROKERS', 'Kafka bootstrap servers (BUS=kafka)', ['127.0.0.1:9092']),
  kafkaClientId: configKey.string('KAFKA_CLIENT_ID', 'Client id sent to Kafka', 'spamfilter'),
  topicPrefix: configKey.string(
    'KAFKA_TOPIC_PREFIX',
    'Prefix for every topic name (tests isolate runs with it)',
    '',
  ),
  connectTimeoutMs: configKey.int('KAFKA_CONNECT_TIMEOUT_MS', 'Broker connection timeout', 3000, {
    min: 100,
  }),
  kafkaRequired: configKey.bool(
    'KAFKA_REQUIRED',
    'BUS=kafka: refuse to start (one clear line) when Kafka is unreachable; false starts anyway with the event bus health "down"',
    false,
  ),
  kafkaLogLevel: configKey.oneOf(
    'KAFKA_LOG_LEVEL',
    "Level of kafkajs' own logs routed to the app logger",
    ['error', 'warn', 'info', 'debug'] as const,
    'warn',
  ),
  kafkaPartitions: configKey.int(
    'KAFKA_TOPIC_PARTITIONS',
    'Partitions of the topics the app creates on demand (the unit of consumer parallelism)',
    3,
    { min: 1 },
  ),
  kafkaReplicationFactor: configKey.int(
    'KAFKA_TOPIC_REPLICATION',
    'Replication factor of the topics the app creates (1 for a single broker)',
    1,
    { min: 1 },
  ),
  // 8 attempts at the 100 ms → 5 s backoff ≈ 11 s before an event is given up; attempts made while the consumer's
  // dependency is down (the learner's database) do not count, so an outage does not empty the topic into the DLQ.
  maxAttempts: configKey.int(
    'MESSAGING_MAX_ATTEMPTS',
    'Handler attempts before an event is moved to its <topic>.dlq dead-letter topic (invalid events go at once)',
    8,
    { min: 1 },
  ),
};
