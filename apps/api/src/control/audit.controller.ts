import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AuditLogRepository, type AuditLogEntity } from '@spamfilter/persistence';
import type { z } from 'zod';
import { ZodPipe } from '../dtos/zod-body.pipe';
import { Roles } from '../guards/auth.decorators';
import { ApiZodOperation } from '../openapi/zod-openapi';
import {
  auditEntriesSchema,
  auditSearchSchema,
  type auditEntrySchema,
  type AuditSearchQuery,
} from './control.dto';

export function auditEntryView(a: AuditLogEntity): z.infer<typeof auditEntrySchema> {
  return {
    id: a.id,
    at: a.at.toISOString(),
    actor: a.actor,
    actorRole: a.actorRole,
    tenantId: a.tenantId,
    subject: a.subject,
    subjectId: a.subjectId,
    action: a.action,
    before: a.before ?? null,
    after: a.after ?? null,
    reason: a.reason,
  };
}

@ApiTags('operator: audit log')
@ApiBearerAuth()
@Roles('operator')
@Controller('v1/operator/audit-log')
export class AuditLogController {
  constructor(@Inject(AuditLogRepository) private readonly audit: AuditLogRepository) {}

  @Get()
  @ApiZodOperation({
    summary: 'Every change by an operator, a domain admin or a user that affects others, newest first',
    description:
      'Lists, policies, AUP rules, delisting decisions, keys, outbound blocks, tenants, domains and users: who, when, before and after. Append-only.',
    query: auditSearchSchema,
    response: auditEntriesSchema,
  })
  async search(@Query(new ZodPipe(auditSearchSchema)) q: AuditSearchQuery) {
    const rows = await this.audit.search({
      ...q,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
    });
    return rows.map(auditEntryView);
  }
}
