import { Module, type DynamicModule } from '@nestjs/common';
import { AuditLogController } from './audit.controller';
import { ControlChanges } from './control-changes';
import { DirectoryController } from './directory.controller';
import { DirectoryService } from './directory.service';
import { ListsController } from './lists.controller';
import { ListsService } from './lists.service';
import { PoliciesController } from './policies.controller';
import { PoliciesService } from './policies.service';
import { ScopeResolver } from './scope-resolver';

/**
 * Users, domain admins and operators in control: lists and policies at every scope (with previews), tenants and
 * hosted domains, and the audit log. Needs the global PersistenceModule and ApiKeyGuard (set up by ApiModule).
 * Exports ControlChanges and ListsService for the operator tools (their audit rows, the operator lists route).
 */
@Module({})
export class ControlModule {
  static forRoot(): DynamicModule {
    return {
      module: ControlModule,
      global: true,
      controllers: [ListsController, PoliciesController, DirectoryController, AuditLogController],
      providers: [ControlChanges, ScopeResolver, ListsService, PoliciesService, DirectoryService],
      exports: [ControlChanges, ListsService, ScopeResolver],
    };
  }
}
