import { ACTION_LABELS, type Action } from './constants';

const dateTime = new Intl.DateTimeFormat('en-GB', {
  year: 'numeric',
  month: 'short',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
});

/** A timestamp as people read it, in UTC (the message log and SMTP logs are in UTC too). */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : `${dateTime.format(d)} UTC`;
}

/** Scores with at most two decimals and a sign for points: 6, 6.5, -1.25. */
export function formatScore(n: number): string {
  return String(Math.round(n * 100) / 100);
}

export function formatPoints(n: number): string {
  const s = formatScore(Math.abs(n));
  return `${n < 0 ? '−' : '+'}${s} ${Math.abs(n) === 1 ? 'point' : 'points'}`;
}

export function actionLabel(action: string): string {
  return (ACTION_LABELS as Record<string, string>)[action] ?? action;
}

/** CSS class of an action's badge (its colour pair meets WCAG AA contrast, styles.css). */
export function actionTone(action: string): 'good' | 'warn' | 'bad' | 'neutral' {
  switch (action as Action) {
    case 'accept':
      return 'good';
    case 'tag':
    case 'greylist':
    case 'defer':
      return 'warn';
    case 'hold':
    case 'reject':
    case 'block':
      return 'bad';
    default:
      return 'neutral';
  }
}

export function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/** An ISO time from a date input (yyyy-mm-dd), at the start of that UTC day; `endOfDay` for the next day's start. */
export function dayToIso(day: string, endOfDay = false): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const t = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(t)) return undefined;
  return new Date(endOfDay ? t + 86_400_000 : t).toISOString();
}

/** The bare address in a From value ("Shop <news@shop.example>" → news@shop.example); null when there is none. */
export function addressOf(from: string | null | undefined): string | null {
  if (!from) return null;
  const angle = /<([^<>\s]+@[^<>\s]+)>/.exec(from);
  const bare = angle ? angle[1]! : /^[^\s<>@]+@[^\s<>@]+$/.test(from.trim()) ? from.trim() : null;
  return bare ? bare.toLowerCase() : null;
}

const counts = new Intl.NumberFormat('en-GB');

/** A count with thousands separators: 15212 → 15,212. */
export function formatCount(n: number): string {
  return counts.format(n);
}
