export * from './config-key';
export * from './app-config';
