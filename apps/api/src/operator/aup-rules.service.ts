import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import {
  parseAupRuleSpec,
  previewAupRule,
  type AupPreview,
  type AupPreviewItem,
  type AupRule,
  type AupRuleSpec,
} from '@spamfilter/domain';
import { AupRuleRepository, ScanRecordRepository, type StoredAupRule } from '@spamfilter/persistence';
import { ControlChanges } from '../control/control-changes';
import type { Principal } from '../guards/principal';
import { actorOf } from './operator-actor';

/** How far back a preview looks, and how many logged messages it replays at most. */
export const PREVIEW_HOURS = 24;
export const PREVIEW_MAX_MESSAGES = 20_000;
const PAGE = 500;

function addressOf(header: string | null): string | undefined {
  if (!header) return undefined;
  const m = /<([^>]+)>/.exec(header);
  return (m ? m[1] : header).trim().toLowerCase();
}

/** AUP rules as validated data: every write is checked as a whole; a preview replays a rule over the last day. */
@Injectable()
export class AupRulesService {
  constructor(
    @Inject(AupRuleRepository) private readonly rules: AupRuleRepository,
    @Inject(ScanRecordRepository) private readonly scans: ScanRecordRepository,
    @Inject(ControlChanges) private readonly changes: ControlChanges,
  ) {}

  list(): Promise<StoredAupRule[]> {
    return this.rules.list();
  }

  async get(id: string): Promise<StoredAupRule> {
    const rule = await this.rules.get(id);
    if (!rule) throw new NotFoundException(`no AUP rule ${id}`);
    return rule;
  }

  async create(body: unknown, p: Principal): Promise<StoredAupRule> {
    const result = await this.rules.create(this.validate(body), actorOf(p));
    if (!result.ok) throw new ConflictException(`an AUP rule with this name exists already`);
    await this.changes.record(p, {
      tenantId: null,
      subject: 'aup_rule',
      subjectId: result.rule.id,
      action: 'create',
      before: null,
      after: result.rule,
    });
    return result.rule;
  }

  async update(id: string, body: unknown, p: Principal): Promise<StoredAupRule> {
    const { version, ...rest } = (body ?? {}) as { version?: unknown };
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: ['version: the version you read (optimistic concurrency)'],
      });
    }
    const before = await this.rules.get(id);
    const result = await this.rules.update(id, version, this.validate(rest));
    if (result.ok) {
      await this.changes.record(p, {
        tenantId: null,
        subject: 'aup_rule',
        subjectId: id,
        action: 'update',
        before,
        after: result.rule,
      });
      return result.rule;
    }
    switch (result.reason) {
      case 'not-found':
        throw new NotFoundException(`no AUP rule ${id}`);
      case 'version-conflict':
        throw new ConflictException('the rule was changed since you read it: read it again');
      case 'name-taken':
        throw new ConflictException('an AUP rule with this name exists already');
    }
  }

  async remove(id: string, p: Principal): Promise<void> {
    const before = await this.rules.get(id);
    if (!(await this.rules.remove(id))) throw new NotFoundException(`no AUP rule ${id}`);
    await this.changes.record(p, {
      tenantId: null,
      subject: 'aup_rule',
      subjectId: id,
      action: 'remove',
      before,
      after: null,
    });
  }

  /** What an unsaved rule would have caught among the outbound messages of the last day. */
  previewSpec(
    body: unknown,
    now = new Date(),
  ): Promise<AupPreview & { readonly since: string; readonly capped: boolean }> {
    return this.preview({ id: 'preview', ...this.validate(body) }, now);
  }

  async previewStored(
    id: string,
    now = new Date(),
  ): Promise<AupPreview & { readonly since: string; readonly capped: boolean }> {
    return this.preview(await this.get(id), now);
  }

  private validate(body: unknown): AupRuleSpec {
    const r = parseAupRuleSpec(body);
    if (!r.ok) throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: r.issues });
    return r.spec;
  }

  private async preview(
    rule: AupRule,
    now: Date,
  ): Promise<AupPreview & { readonly since: string; readonly capped: boolean }> {
    const since = new Date(now.getTime() - PREVIEW_HOURS * 3_600_000);
    const items: AupPreviewItem[] = [];
    let capped = false;
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.scans.search(
        { kind: 'operator' },
        { direction: 'outbound', from: since, to: now },
        { limit: PAGE, offset },
      );
      for (const { record, recipients } of page.items) {
        const fromHeader = addressOf(record.headerFrom);
        items.push({
          reference: record.reference,
          subject: {
            sender: record.mailFrom,
            ...(record.authUser ? { authUser: record.authUser.toLowerCase() } : {}),
            recipients: recipients.map((r) => r.recipient),
            clientIp: record.clientIp,
            subject: record.subject,
            ...(fromHeader ? { fromHeader } : {}),
            size: record.size,
          },
        });
      }
      if (!page.hasMore) break;
      if (items.length >= PREVIEW_MAX_MESSAGES) {
        capped = true;
        break;
      }
    }
    return { ...previewAupRule(rule, items), since: since.toISOString(), capped };
  }
}
