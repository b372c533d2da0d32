import type { Provider, Type } from '@nestjs/common';
import { AuditLogQuarantineAudit, QuarantineAudit } from './quarantine-audit';
import { QuarantineDigestService } from './quarantine-digest.service';
import { QuarantineController, QuarantineDigestController } from './quarantine.controller';
import { QuarantineService } from './quarantine.service';
import { SmtpSubmitter } from './smtp-submitter';
import { SentController } from '../sent/sent.controller';
import { SentService } from '../sent/sent.service';

/**
 * The quarantine's routes and services and the senders' delivery status (sent/), listed in ApiModule (the quarantine
 * uses its MarksService to train "not spam"). Releases and deletions are recorded in the audit log.
 */
export const QUARANTINE_CONTROLLERS: Type[] = [
  QuarantineController,
  QuarantineDigestController,
  SentController,
];
export const QUARANTINE_PROVIDERS: Provider[] = [
  SentService,
  SmtpSubmitter,
  { provide: QuarantineAudit, useClass: AuditLogQuarantineAudit },
  QuarantineService,
  QuarantineDigestService,
];
