import { Controller, Get, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiZodOperation } from '../openapi/zod-openapi';
import { healthSchema } from '../operator/operator-views';
import { Public } from '../guards/auth.decorators';
import { HealthService, type ApiHealth } from '../services/health.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @Public()
  @ApiZodOperation({
    summary:
      'Liveness/readiness: database reachable, outbox backlog (marks not yet on the bus); 503 when degraded',
    response: healthSchema,
  })
  async check(@Res({ passthrough: true }) res: { status(code: number): unknown }): Promise<ApiHealth> {
    const h = await this.health.check();
    res.status(h.status === 'ok' ? 200 : 503);
    return h;
  }
}
