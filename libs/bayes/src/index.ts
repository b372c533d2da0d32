export * from './bayes-store';
export * from './bayes-classifier';
export * from './robinson-fisher';
export * from './tokenizer';
export * from './features';
export { MemoryBayesStore } from './memory-bayes.store';
export { hashToken } from './hash';
export { lnChi2P, lnChi2Q } from './chi2';
export { messageFingerprint } from './fingerprint';
