export * from './policy';
export * from './default-policy';
export * from './symbol-registry';
export * from './scorer';
export * from './actions';
export * from './forced-actions';
export * from './policy-scope';
export * from './replay';
