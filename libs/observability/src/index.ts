export * from './log-context';
export * from './pretty-line';
export * from './pino-logger.service';
export * from './scrape-metrics';
export * from './labelled-histogram';
