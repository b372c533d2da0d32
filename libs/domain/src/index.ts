export * from './action';
export * from './symbol';
export * from './envelope';
export * from './verdict';
export * from './reference-id';
export * from './feedback';
export * from './aup';
export * from './outbound-standing';
