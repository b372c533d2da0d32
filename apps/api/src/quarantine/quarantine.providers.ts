import type { Provider, Type } from '@nestjs/common';
import { LogQuarantineAudit, QuarantineAudit } from './quarantine-audit';
import { QuarantineDigestService } from './quarantine-digest.service';
import { QuarantineController, QuarantineDigestController } from './quarantine.controller';
import { QuarantineService } from './quarantine.service';
import { SmtpSubmitter } from './smtp-submitter';
import { SentController } from '../sent/sent.controller';
import { SentService } from '../sent/sent.service';

/**
 * The quarantine's routes and services and the senders' delivery status (sent/), listed in ApiModule (the quarantine
 * uses its MarksService to train "not spam"). QuarantineAudit is where releases and deletions are recorded: bind the
 * audit log's adapter here.
 */
export const QUARANTINE_CONTROLLERS: Type[] = [QuarantineController, QuarantineDigestController, SentController];
export const QUARANTINE_PROVIDERS: Provider[] = [
  SentService,
  SmtpSubmitter,
  { provide: QuarantineAudit, useClass: LogQuarantineAudit },
  QuarantineService,
  QuarantineDigestService,
];
