export * from './topics';
export * from './events';
export * from './event-bus.port';
export * from './bus-logger';
export * from './in-memory-event-bus';
export * from './kafka-event-bus';
export * from './messaging.module';
export * from './kafka-consumer-lag';
