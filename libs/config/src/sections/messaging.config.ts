import { configKey } from '../config-key';

export const messagingSection = {
  bus: configKey.oneOf('BUS', 'Event bus adapter', ['memory', 'kafka'] as const, 'memory'),
  kafkaBrokers: configKey.list('KAFKA_BROKERS', 'Kafka bootstrap servers (BUS=kafka)', ['127.0.0.1:9092']),
  kafkaClientId: configKey.string('KAFKA_CLIENT_ID', 'Client id sent to Kafka', 'spamfilter'),
  topicPrefix: configKey.string('KAFKA_TOPIC_PREFIX', 'Prefix for every topic name (tests isolate runs with it)', ''),
  connectTimeoutMs: configKey.int('KAFKA_CONNECT_TIMEOUT_MS', 'Broker connection timeout', 3000, { min: 100 }),
};
