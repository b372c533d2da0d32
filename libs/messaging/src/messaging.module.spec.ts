import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { loadConfig } from '@spamfilter/config';
import type { FeedbackEvent } from '@spamfilter/domain';
import { silentBusLogger } from './bus-logger';
import { EventBus } from './event-bus.port';
import { InMemoryEventBus } from './in-memory-event-bus';
import { MessagingModule } from './messaging.module';
import { TOPICS } from './topics';

const mark: FeedbackEvent = {
  eventId: 'ev-1',
  userId: 'u1',
  tenantId: 't1',
  kind: 'learn',
  label: 'ham',
  reference: null,
  messageId: 'm1',
  occurredAt: '2026-01-01T00:00:00.000Z',
};

@Injectable()
class NeedsBus {
  constructor(readonly bus: EventBus) {}
}

@Module({ providers: [NeedsBus] })
class FeatureModule {}

describe('MessagingModule', () => {
  it('provides the in-memory bus for BUS=memory, globally, and two apps in one process share topics', async () => {
    const prefix = `spec-${Date.now()}.`;
    const config = loadConfig({ BUS: 'memory', KAFKA_TOPIC_PREFIX: prefix }).messaging;
    const api = await Test.createTestingModule({
      imports: [MessagingModule.forRoot(config, { logger: silentBusLogger }), FeatureModule],
    }).compile();
    const learner = await Test.createTestingModule({
      imports: [MessagingModule.forRoot(config, { logger: silentBusLogger })],
    }).compile();
    await api.init();
    await learner.init();

    const publisher = api.get(NeedsBus).bus;
    expect(publisher).toBeInstanceOf(InMemoryEventBus);
    expect(await publisher.health()).toEqual({ status: 'up', detail: { adapter: 'memory' } });

    const received: FeedbackEvent[] = [];
    await learner.get(EventBus).subscribe(TOPICS.feedback, 'learner', async (e) => void received.push(e));
    await publisher.publish(TOPICS.feedback, mark.userId, mark);
    const until = Date.now() + 30_000;
    while (received.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    expect(received).toEqual([mark]);

    // Shutting one app down closes its bus only.
    await api.close();
    expect((await publisher.health()).status).toBe('down');
    expect((await learner.get(EventBus).health()).status).toBe('up');
    await learner.close();
  });
});
