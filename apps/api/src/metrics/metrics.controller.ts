import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { ServerResponse } from 'node:http';
import { Public } from '../guards/auth.decorators';
import { ApiMetricsService } from './api-metrics.service';

/**
 * GET /metrics in Prometheus' text format. No API key, like /health: the figures name no user, and the NetworkPolicy
 * lets only the monitoring namespace and the ingress controller reach the port (an Ingress that publishes the API
 * should leave /metrics out, k8s/monitoring/README.md). Not in the OpenAPI document: no client programs against it.
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: ApiMetricsService) {}

  @Get()
  @Public()
  async scrape(@Res() res: ServerResponse): Promise<void> {
    const text = await this.metrics.text();
    res.writeHead(200, { 'content-type': this.metrics.registry.contentType });
    res.end(text);
  }
}
