export * from './clock';
export * from './counter-store.port';
export * from './memory-counter-store';
export * from './redis-counter-store';
export * from './counters.module';
export * from './auth-guard/auth-guard.rules';
export * from './auth-guard/auth-guard.ledger';
