import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { FilterServices } from '../services/filter-services';
import { send } from './scan.controller';

@Controller()
export class HealthController {
  constructor(@Inject(FilterServices) private readonly services: FilterServices) {}

  /** Each dependency's state; 200 while the filter can answer scans (it always can: failures degrade, not stop). */
  @Get('health')
  async health(@Res() res: ServerResponse): Promise<void> {
    send(res, 200, await this.services.health.report());
  }

  @Get('metrics')
  async metrics(@Res() res: ServerResponse): Promise<void> {
    const text = await this.services.metrics.text();
    res.writeHead(200, { 'content-type': this.services.metrics.registry.contentType });
    res.end(text);
  }
}
