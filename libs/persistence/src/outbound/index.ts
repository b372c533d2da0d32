export * from './outbound-account.repository';
export * from './outbound-standing.repository';
export * from './complaint.repository';
export * from './aup-rule.repository';
export * from './delist-request.repository';
export * from './outbound-audit-append-only.migration';
export * from './delivery-result.entity';
export * from './delivery-result.repository';
