export * from './console-session.entity';
export * from './console-session.repository';
export * from './console-stats.repository';
export * from './mailbox-list.repository';
