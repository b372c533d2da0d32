import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ZodPipe } from '../dtos/zod-body.pipe';
import { Roles } from '../guards/auth.decorators';
import { ApiZodOperation } from '../openapi/zod-openapi';
import { dashboardQuerySchema, dashboardViewSchema, type DashboardQuery } from './console.dto';
import { DashboardService } from './dashboard.service';

@ApiTags('operator: dashboard')
@ApiBearerAuth()
@Roles('operator')
@Controller('v1/operator/dashboard')
export class DashboardController {
  constructor(private readonly dashboard: DashboardService) {}

  @Get()
  @ApiZodOperation({
    summary:
      'What the filter did over the last hours: messages per action, top symbols and refusals, marks, learner lag',
    description:
      "Messages per action over time (inbound and outbound, every bucket of the range), the most reported symbols, the most refused envelope senders and client IPs, marks per bucket and the learner's lag (mark accepted → applied), and sending accounts near the automatic block. Read-only; one computation is reused for 15 s.",
    query: dashboardQuerySchema,
    response: dashboardViewSchema,
  })
  view(@Query(new ZodPipe(dashboardQuerySchema)) q: DashboardQuery) {
    return this.dashboard.view(q);
  }
}
