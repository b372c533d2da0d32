import { Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from '@spamfilter/config';
import {
  AupRuleRepository,
  ComplaintRepository,
  DelistRequestRepository,
  ListRepository,
  OutboundAccountRepository,
  OutboundStandingRepository,
  ScanRecordRepository,
  UserRepository,
} from '@spamfilter/persistence';
import { API_APP_CONFIG } from '../api-config.token';
import { ComplaintsController } from '../complaints/complaints.controller';
import { ComplaintsService } from '../complaints/complaints.service';
import { ComplaintCampaigns } from '../complaints/complaint-campaigns';
import { PublicController } from '../public/public.controller';
import { PublicRefusalService } from '../public/public.service';
import { AupRulesController } from './aup-rules.controller';
import { AuthLockoutsController } from './auth-lockouts.controller';
import { AuthLockoutsService } from './auth-lockouts.service';
import { AupRulesService } from './aup-rules.service';
import { DelistRequestsController } from './delist-requests.controller';
import { DelistRequestsService } from './delist-requests.service';
import { MessageLogController } from './message-log.controller';
import { MessageLogService } from './message-log.service';
import { OperatorListsController } from './operator-lists.controller';
import { OperatorNotices } from './operator-notices';
import { OutboundAccountsController } from './outbound-accounts.controller';
import { OutboundAccountsService } from './outbound-accounts.service';

/**
 * The operators' tools (AUP rules, outbound blocks, lists, message log, delisting queue, SMTP AUTH lockouts),
 * complaint ingestion and the public refusal page. Needs the global PersistenceModule (DataSource), CountersModule
 * (CounterStore) and ApiKeyGuard as APP_GUARD (all set up by ApiModule): `imports: [OperatorToolsModule.forRoot(config)]`.
 */
@Module({})
export class OperatorToolsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: OperatorToolsModule,
      controllers: [
        AupRulesController,
        OutboundAccountsController,
        OperatorListsController,
        MessageLogController,
        DelistRequestsController,
        ComplaintsController,
        PublicController,
        AuthLockoutsController,
      ],
      providers: [
        { provide: API_APP_CONFIG, useValue: config },
        AupRuleRepository,
        ComplaintRepository,
        DelistRequestRepository,
        OutboundAccountRepository,
        OutboundStandingRepository,
        ScanRecordRepository,
        ListRepository,
        UserRepository,
        OperatorNotices,
        AupRulesService,
        OutboundAccountsService,
        MessageLogService,
        DelistRequestsService,
        ComplaintsService,
        ComplaintCampaigns,
        PublicRefusalService,
        AuthLockoutsService,
      ],
    };
  }
}
