/* Shapes of the API's answers as the console uses them (the OpenAPI document at /openapi.json has them all). */
export type Role = 'user' | 'domain_admin' | 'operator';

export interface Session {
  role: Role;
  address: string | null;
  domain: string | null;
  tenantId: string;
  via: 'key' | 'imap' | 'bearer';
  expiresAt: string | null;
  idleMinutes: number;
  mailboxSignIn: boolean;
}

export interface VerdictSymbol {
  name: string;
  score: number;
  description?: string;
  options: string[];
}

export interface Verdict {
  reference: string;
  createdAt: string;
  recipient: string;
  sender: string | null;
  subject: string | null;
  action: string;
  score: number;
  reason: string;
  symbols: VerdictSymbol[];
  mark: 'spam' | 'ham' | null;
  markId: string | null;
  /** What happened to this recipient's copy; null on records older than dispositions. */
  disposition?: string | null;
}

export interface VerdictPage {
  items: Verdict[];
  next: string | null;
}

export interface Mark {
  id: string;
  label: 'spam' | 'ham';
  reference: string | null;
  status: 'accepted' | 'undone';
  createdAt: string;
}

export interface ListEntry {
  id: string;
  scope: 'global' | 'domain' | 'user';
  domain: string | null;
  user: string | null;
  kind: 'allow' | 'block';
  matchType: 'address' | 'domain' | 'ip' | 'cidr';
  value: string;
  direction: 'inbound' | 'outbound' | 'both';
  reason: string | null;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  requires: 'aligned_auth' | null;
  origin: 'manual' | 'learned';
  marks: { id: string; reference: string | null; createdAt: string }[];
}

export interface Thresholds {
  greylist: number | null;
  tag: number;
  reject: number;
}

export interface PolicyView {
  scope: 'global' | 'domain' | 'user';
  domain: string | null;
  user: string | null;
  layer: Record<string, unknown>;
  version: number;
  updatedBy: string | null;
  updatedAt: string | null;
  effective: {
    thresholds: Thresholds;
    greylisting: { enabled: boolean };
    outbound: { hold: number; reject: number };
    userBounds: { tag: { min: number; max: number }; reject: { min: number; max: number } };
  };
  sensitivity: 'relaxed' | 'standard' | 'strict' | null;
  presets: Record<string, Thresholds>;
}

export interface PolicyPreview {
  since: string;
  days: number;
  messages: number;
  capped: boolean;
  actual: Record<string, number>;
  current: Record<string, number>;
  proposed: Record<string, number>;
  changed: number;
  greylistBand: number;
  examples: {
    reference: string;
    recipient: string;
    subject: string | null;
    sender: string;
    score: number;
    action: string;
    proposedScore: number;
    proposedAction: string;
  }[];
}

export type ActionCounts = Record<string, number>;

export interface Dashboard {
  since: string;
  until: string;
  bucketMinutes: number;
  series: { at: string; inbound: ActionCounts; outbound: ActionCounts }[];
  totals: { inbound: ActionCounts; outbound: ActionCounts };
  topSymbols: { name: string; hits: number; score: number }[];
  symbolsSampled: number;
  topRefusedSenders: { sender: string; count: number }[];
  topRefusedIps: { ip: string; count: number }[];
  marks: { at: string; spam: number; ham: number; undo: number }[];
  learner: {
    sampled: number;
    pending: number;
    oldestPendingSeconds: number | null;
    lagP50Ms: number | null;
    lagP95Ms: number | null;
    lagMaxMs: number | null;
  };
  nearAutoBlock: { account: string; recentSpam: number; threshold: number; status: 'active' | 'blocked' }[];
}

export interface ScoredSymbol {
  name: string;
  group: string;
  description: string;
  weight: number;
  score: number;
  options: string[];
}

export interface Transcript {
  reference: string;
  createdAt: string;
  direction: 'inbound' | 'outbound';
  clientIp: string;
  helo: string;
  mailFrom: string;
  authUser: string | null;
  headerFrom: string | null;
  subject: string | null;
  size: number;
  action: string;
  score: number;
  smtpReply: { code: number; enhanced: string; message: string };
  symbols: ScoredSymbol[];
  headers: [string, string][];
  elapsedMs: number;
  recipients: { recipient: string; action: string; score: number; reason: string; symbols: ScoredSymbol[] }[];
}

export interface MessageLogPage {
  items: Transcript[];
  hasMore: boolean;
}

export interface AupCondition {
  field: string;
  op: string;
  value: string | number;
}

export interface AupRule {
  id: string;
  version: number;
  name: string;
  description: string;
  enabled: boolean;
  score: number;
  conditions: AupCondition[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface AupPreview {
  examined: number;
  matched: number;
  undecidable: number;
  sample: string[];
  since: string;
  capped: boolean;
}

export interface Standing {
  score: number;
  level: string;
  penalty: number;
  spamVerdicts: number;
  complaints: number;
}

export interface OutboundAccount {
  address: string;
  tenantId: string;
  status: 'active' | 'blocked';
  blockedAt: string | null;
  blockedReason: string | null;
  standing: Record<string, unknown> | null;
  updatedAt: string;
}

export interface OutboundAudit {
  id: number;
  account: string;
  action: 'block' | 'unblock' | 'auto_block' | 'note';
  actor: string;
  reason: string | null;
  at: string;
}

export interface AccountDetail {
  account: OutboundAccount | null;
  standing: Standing;
  audit: OutboundAudit[];
}

export interface DelistRequest {
  id: string;
  reference: string;
  requesterEmail: string;
  message: string;
  status: 'pending' | 'approved' | 'rejected';
  createdAt: string;
  reviewedBy: string | null;
  reviewedAt: string | null;
  decisionNote: string | null;
  allowEntryId: string | null;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  actorRole: string;
  tenantId: string | null;
  subject: string;
  subjectId: string;
  action: string;
  before: unknown;
  after: unknown;
  reason: string | null;
}

export interface MailboxPage {
  domain: string;
  total: number;
  items: { id: string; address: string; displayName: string | null; createdAt: string }[];
}

export interface QuarantineItem {
  id: string;
  reference: string;
  direction: 'inbound' | 'outbound';
  recipient: string;
  recipients: string[];
  mailFrom: string;
  from: string | null;
  subject: string | null;
  size: number;
  reason: string;
  createdAt: string;
  expiresAt: string;
  releasedAt: string | null;
  releasedBy: string | null;
}

export interface QuarantinePage {
  items: QuarantineItem[];
  next: string | null;
}

export interface QuarantineMessage extends QuarantineItem {
  headers: [string, string][];
  text: string;
  textTruncated: boolean;
  hasHtml: boolean;
  attachments: { filename: string; contentType: string; size: number }[];
}

export interface ReleaseResult {
  id: string;
  reference: string;
  recipients: string[];
  smtp: string;
  markId: string | null;
}
