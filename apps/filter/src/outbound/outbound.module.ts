import { Module, type DynamicModule } from '@nestjs/common';
import { DeliveryReportController } from './delivery-report.controller';
import { DeliveryResults, NoDeliveryResults } from './delivery-results';
import { OutboundProtection } from './outbound-protection';

/** The filter's outbound HTTP routes (POST /v1/outbound/deliveries) over one OutboundProtection. */
@Module({})
export class OutboundModule {
  static forRoot(
    protection: OutboundProtection,
    results: DeliveryResults = new NoDeliveryResults(),
  ): DynamicModule {
    return {
      module: OutboundModule,
      controllers: [DeliveryReportController],
      providers: [
        { provide: OutboundProtection, useValue: protection },
        { provide: DeliveryResults, useValue: results },
      ],
    };
  }
}
