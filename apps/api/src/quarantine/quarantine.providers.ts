import type { Provider, Type } from '@nestjs/common';
import { LogQuarantineAudit, QuarantineAudit } from './quarantine-audit';
import { QuarantineDigestService } from './quarantine-digest.service';
import { QuarantineController, QuarantineDigestController } from './quarantine.controller';
import { QuarantineService } from './quarantine.service';
import { SmtpSubmitter } from './smtp-submitter';

/**
 * The quarantine's routes and services, listed in ApiModule (they use its MarksService to train "not spam").
 * QuarantineAudit is where releases and deletions are recorded: bind the audit log's adapter here.
 */
export const QUARANTINE_CONTROLLERS: Type[] = [QuarantineController, QuarantineDigestController];
export const QUARANTINE_PROVIDERS: Provider[] = [
  SmtpSubmitter,
  { provide: QuarantineAudit, useClass: LogQuarantineAudit },
  QuarantineService,
  QuarantineDigestService,
];
