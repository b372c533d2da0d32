import { ApiKeyEntity } from './entities/api-key.entity';
import { AupRuleEntity } from './entities/aup-rule.entity';
import { ComplaintEntity } from './entities/complaint.entity';
import { DelistRequestEntity } from './entities/delist-request.entity';
import { DomainEntity } from './entities/domain.entity';
import { FeedbackMarkEntity } from './entities/feedback-mark.entity';
import { ListEntryEntity } from './entities/list-entry.entity';
import { OutboundAccountEntity } from './entities/outbound-account.entity';
import { OutboundAuditEntity } from './entities/outbound-audit.entity';
import { OutboxEventEntity } from './entities/outbox-event.entity';
import { PolicyEntity } from './entities/policy.entity';
import { ProcessedEventEntity } from './entities/processed-event.entity';
import { ReputationEntity } from './entities/reputation.entity';
import { ScanRecipientEntity } from './entities/scan-recipient.entity';
import { ScanRecordEntity } from './entities/scan-record.entity';
import { TenantEntity } from './entities/tenant.entity';
import { UserAccountEntity } from './entities/user-account.entity';
import { InitialSchema1763800000000 } from './migrations/1763800000000-initial-schema.migration';
import { OutboundAuditAppendOnly1764000000000 } from './outbound/outbound-audit-append-only.migration';
import { Learner1763900000000 } from './learner/1763900000000-learner.migration';
import { LearnerScopeVersionEntity, LearnerTrainingEntity } from './learner/learner-training.entity';
import { BayesTables1764100000000 } from './learner/1764100000000-bayes-tables.migration';
import {
  BayesScopeEntity,
  BayesTokenEntity,
  BayesTrainedEntity,
  BayesTrainedSqliteEntity,
} from './learner/bayes-tables.entity';
import { UserLayerTrainings1764200000000 } from './learner/1764200000000-user-layer-trainings.migration';
import { LogisticSnapshot1764250000000 } from './learner/1764250000000-logistic-snapshot.migration';
import { LogisticSnapshotEntity } from './learner/logistic-snapshot.entity';
import { ListEntryRequires1764300000000 } from './migrations/1764300000000-list-entry-requires.migration';
import { QuarantineMessageEntity } from './quarantine/quarantine-message.entity';
import { Quarantine1764900000000 } from './quarantine/1764900000000-quarantine.migration';
import { AuditLogEntity } from './entities/audit-log.entity';
import { ControlApi1765000000000 } from './migrations/1765000000000-control-api.migration';
import { MarkRequestEntity } from './marks/mark-request.entity';
import { MarkRequest1765100000000 } from './marks/1765100000000-mark-request.migration';
import { ComplaintDedupe1765300000000 } from './outbound/1765300000000-complaint-dedupe.migration';
import { QuarantineRelease1765400000000 } from './quarantine/1765400000000-quarantine-release.migration';
import { QuarantineDigestEntity, ReleaseTicketEntity } from './quarantine/release-ticket.entity';
import { DeliveryResult1765500000000 } from './outbound/1765500000000-delivery-result.migration';
import { DeliveryResultEntity } from './outbound/delivery-result.entity';
import {
  CampaignBandEntity,
  CampaignEntity,
  CampaignMarkEntity,
  LearnerTrustEntity,
  SharingConsentEntity,
} from './learner/agreement.entities';
import { LearningAgreement1765600000000 } from './learner/1765600000000-learning-agreement.migration';
import { ConsoleSessionEntity } from './console/console-session.entity';
import { ConsoleSession1765700000000 } from './console/1765700000000-console-session.migration';

/*
 * The whole product's schema, listed explicitly (no globs: the build, jest and ts-node all see the same list).
 * Other libs add their tables by appending ONE line each to these arrays (the learning core: its Bayes entities and
 * its migration, from libs/persistence/src/bayes/). Migrations run in array order, so append, never insert. The
 * drift tests use these arrays, so every table appended here is covered.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM takes entity classes
export const ENTITIES: Function[] = [
  TenantEntity,
  DomainEntity,
  UserAccountEntity,
  ApiKeyEntity,
  PolicyEntity,
  ListEntryEntity,
  ScanRecordEntity,
  ScanRecipientEntity,
  FeedbackMarkEntity,
  OutboxEventEntity,
  ProcessedEventEntity,
  ReputationEntity,
  OutboundAccountEntity,
  OutboundAuditEntity,
  ComplaintEntity,
  AupRuleEntity,
  DelistRequestEntity,
  LearnerTrainingEntity,
  LearnerScopeVersionEntity,
  BayesScopeEntity,
  BayesTokenEntity,
  BayesTrainedEntity,
  LogisticSnapshotEntity,
  QuarantineMessageEntity,
  AuditLogEntity,
  MarkRequestEntity,
  ReleaseTicketEntity,
  QuarantineDigestEntity,
  DeliveryResultEntity,
  SharingConsentEntity,
  LearnerTrustEntity,
  CampaignMarkEntity,
  CampaignBandEntity,
  CampaignEntity,
  ConsoleSessionEntity,
];

/** ENTITIES as one engine maps them: bayes_trained keeps its token lists in an engine-specific column type. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM takes entity classes
export function entitiesFor(engine: 'postgres' | 'sqlite'): Function[] {
  return engine === 'postgres'
    ? ENTITIES
    : ENTITIES.map((e) => (e === BayesTrainedEntity ? BayesTrainedSqliteEntity : e));
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM takes migration classes
export const MIGRATIONS: Function[] = [
  InitialSchema1763800000000,
  Learner1763900000000,
  OutboundAuditAppendOnly1764000000000,
  BayesTables1764100000000,
  UserLayerTrainings1764200000000,
  LogisticSnapshot1764250000000,
  ListEntryRequires1764300000000,
  Quarantine1764900000000,
  ControlApi1765000000000,
  MarkRequest1765100000000,
  ComplaintDedupe1765300000000,
  QuarantineRelease1765400000000,
  DeliveryResult1765500000000,
  LearningAgreement1765600000000,
  ConsoleSession1765700000000,
];
