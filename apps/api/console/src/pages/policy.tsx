import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api';
import { ActionBadge, DoneNote, ErrorNote, Field, Loading, Page } from '../components/ui';
import { useAction, useApi } from '../hooks';
import { ACTIONS, SENSITIVITIES } from '../lib/constants';
import { actionLabel, formatScore, formatTime } from '../lib/format';
import { toQuery } from '../lib/query';
import type { PolicyPreview, PolicyView, Session } from '../types';

type Scope = 'user' | 'domain' | 'global';
type Mode = (typeof SENSITIVITIES)[number] | 'custom';

type ScoreKey =
  | 'greylist'
  | 'tag'
  | 'reject'
  | 'boundsTagMin'
  | 'boundsTagMax'
  | 'boundsRejectMin'
  | 'boundsRejectMax'
  | 'outboundHold'
  | 'outboundReject';

interface Form {
  mode: Mode;
  greylist: string;
  tag: string;
  reject: string;
  greylisting: boolean;
  boundsTagMin: string;
  boundsTagMax: string;
  boundsRejectMin: string;
  boundsRejectMax: string;
  outboundHold: string;
  outboundReject: string;
  json: string;
  asJson: boolean;
}

const PRESET_TEXT: Record<(typeof SENSITIVITIES)[number], string> = {
  relaxed: 'Relaxed — only clear spam goes to Junk',
  standard: "Standard — the provider's default",
  strict: 'Strict — more goes to Junk, more is refused',
};

function formOf(v: PolicyView): Form {
  const t = v.effective.thresholds;
  const b = v.effective.userBounds;
  return {
    mode: v.sensitivity ?? 'custom',
    greylist: t.greylist === null ? '' : String(t.greylist),
    tag: String(t.tag),
    reject: String(t.reject),
    greylisting: v.effective.greylisting.enabled,
    boundsTagMin: String(b.tag.min),
    boundsTagMax: String(b.tag.max),
    boundsRejectMin: String(b.reject.min),
    boundsRejectMax: String(b.reject.max),
    outboundHold: String(v.effective.outbound.hold),
    outboundReject: String(v.effective.outbound.reject),
    json: JSON.stringify(v.layer, null, 2),
    asJson: false,
  };
}

const num = (s: string): number => Number(s);

/** The proposal a form stands for: a preset or a layer (the stored layer with the form's fields over it). */
function proposalOf(
  scope: Scope,
  v: PolicyView,
  f: Form,
): { sensitivity: string } | { layer: Record<string, unknown> } {
  if (f.asJson) return { layer: JSON.parse(f.json) as Record<string, unknown> };
  if (scope === 'user') {
    if (f.mode !== 'custom') return { sensitivity: f.mode };
    return {
      layer: {
        thresholds: { tag: num(f.tag), reject: num(f.reject) },
        greylisting: { enabled: f.greylisting },
      },
    };
  }
  const layer: Record<string, unknown> = {
    ...v.layer,
    thresholds: {
      greylist: f.greylist.trim() === '' ? null : num(f.greylist),
      tag: num(f.tag),
      reject: num(f.reject),
    },
    greylisting: { ...((v.layer.greylisting as object | undefined) ?? {}), enabled: f.greylisting },
    userBounds: {
      tag: { min: num(f.boundsTagMin), max: num(f.boundsTagMax) },
      reject: { min: num(f.boundsRejectMin), max: num(f.boundsRejectMax) },
    },
  };
  if (scope === 'global') layer.outbound = { hold: num(f.outboundHold), reject: num(f.outboundReject) };
  return { layer };
}

/**
 * Policy at one scope: a user's sensitivity (a preset or thresholds within the domain's bounds), a domain's or the
 * global thresholds, greylisting and user bounds (operators may edit the whole layer as JSON). Every change can be
 * previewed over the scope's recent mail before it is saved.
 */
export function PolicyPage(props: { session: Session; scope: Scope }) {
  const [params] = useSearchParams();
  const user = params.get('user');
  const scope: Scope = user ? 'user' : props.scope;
  const scopeQuery = user ? { scope: 'user', user } : props.scope === 'user' ? {} : { scope: props.scope };
  const view = useApi<PolicyView>(`/v1/policies${toQuery(scopeQuery)}`);
  const [form, setForm] = useState<Form | null>(null);
  const [days, setDays] = useState('7');
  const [preview, setPreview] = useState<PolicyPreview | null>(null);
  const previewing = useAction();
  const saving = useAction();

  useEffect(() => {
    if (view.data) setForm(formOf(view.data));
  }, [view.data]);

  const title =
    scope === 'user'
      ? user
        ? `Sensitivity of ${user}`
        : 'Your spam sensitivity'
      : scope === 'domain'
        ? `Policy of ${props.session.domain ?? 'your domain'}`
        : 'Global policy';

  const set = (patch: Partial<Form>) => {
    if (form) setForm({ ...form, ...patch });
    setPreview(null);
  };

  /** A score input (half points) bound to one field of the form. */
  /** A half-point score input; with a range (a user's bounds) it says the range and keeps to it. */
  const scoreField = (label: string, key: ScoreKey, range?: { min: number; max: number }) => (
    <Field label={label} hint={range ? `between ${range.min} and ${range.max}` : undefined}>
      {(id, hint) => (
        <input
          id={id}
          type="number"
          step="0.5"
          min={range?.min}
          max={range?.max}
          aria-describedby={hint}
          value={form?.[key] ?? ''}
          onChange={(e) => set({ [key]: e.target.value })}
        />
      )}
    </Field>
  );

  const runPreview = () =>
    previewing.run(async () => {
      if (!view.data || !form) return;
      const p = await api<PolicyPreview>(`/v1/policies/preview${toQuery(scopeQuery)}`, {
        method: 'POST',
        body: { ...proposalOf(scope, view.data, form), days: Number(days) },
      });
      setPreview(p);
    });
  const save = () =>
    saving.run(async () => {
      if (!view.data || !form) return;
      await api<PolicyView>(`/v1/policies${toQuery(scopeQuery)}`, {
        method: 'PUT',
        body: { version: view.data.version, ...proposalOf(scope, view.data, form) },
      });
      view.reload();
      setPreview(null);
      return 'Saved. Every filter applies it within a second.';
    });

  const v = view.data;
  const bounds = v?.effective.userBounds;
  return (
    <Page
      title={title}
      intro={
        scope === 'user'
          ? 'How readily your mail goes to Junk or is refused. Preview a change on your mail of the last days before you save it.'
          : 'The score thresholds at which mail is greylisted, tagged for Junk or refused, and how far users may move their own. Preview a change on the recent mail before you save it.'
      }
    >
      <ErrorNote error={view.error} what="Could not load the policy" />
      <Loading loading={view.loading && !v} />
      {v && form ? (
        <form className="card" onSubmit={(e) => e.preventDefault()} aria-labelledby="policy-form-title">
          <h2 id="policy-form-title">Settings</h2>
          <p className="muted">
            Now: Junk from {formatScore(v.effective.thresholds.tag)} points, refused from{' '}
            {formatScore(v.effective.thresholds.reject)}
            {v.effective.thresholds.greylist !== null
              ? `, greylisted from ${formatScore(v.effective.thresholds.greylist)}`
              : ''}
            .{v.updatedAt ? ` Last changed ${formatTime(v.updatedAt)} by ${v.updatedBy ?? 'unknown'}.` : ''}
          </p>
          {form.asJson ? (
            <Field
              label="The stored layer (JSON)"
              hint="Any subset of the policy: thresholds, weights, groupCaps, greylisting, tagHeaders, outbound, forcedActions, userBounds."
            >
              {(id, hint) => (
                <textarea
                  id={id}
                  rows={14}
                  className="mono"
                  aria-describedby={hint}
                  value={form.json}
                  onChange={(e) => set({ json: e.target.value })}
                />
              )}
            </Field>
          ) : scope === 'user' ? (
            <>
              <fieldset className="radio-col">
                <legend>Sensitivity</legend>
                {SENSITIVITIES.map((s) => (
                  <label key={s}>
                    <input
                      type="radio"
                      name="mode"
                      value={s}
                      checked={form.mode === s}
                      onChange={() => set({ mode: s })}
                    />{' '}
                    {PRESET_TEXT[s]}{' '}
                    <small className="muted">
                      (Junk from {v.presets[s]?.tag}, refused from {v.presets[s]?.reject})
                    </small>
                  </label>
                ))}
                <label>
                  <input
                    type="radio"
                    name="mode"
                    value="custom"
                    checked={form.mode === 'custom'}
                    onChange={() => set({ mode: 'custom' })}
                  />{' '}
                  My own thresholds
                </label>
              </fieldset>
              {form.mode === 'custom' && bounds ? (
                <div className="form-grid">
                  {scoreField('Junk from (points)', 'tag', bounds.tag)}
                  {scoreField('Refuse from (points)', 'reject', bounds.reject)}
                  <label className="check">
                    <input
                      type="checkbox"
                      checked={form.greylisting}
                      onChange={(e) => set({ greylisting: e.target.checked })}
                    />{' '}
                    Greylist unknown senders
                  </label>
                </div>
              ) : null}
            </>
          ) : (
            <div className="form-grid">
              {scoreField('Greylist from (points; empty: never)', 'greylist')}
              {scoreField('Junk (tag) from', 'tag')}
              {scoreField('Refuse from', 'reject')}
              <label className="check">
                <input
                  type="checkbox"
                  checked={form.greylisting}
                  onChange={(e) => set({ greylisting: e.target.checked })}
                />{' '}
                Greylisting on
              </label>
              {scoreField("Users' Junk threshold: lowest", 'boundsTagMin')}
              {scoreField("Users' Junk threshold: highest", 'boundsTagMax')}
              {scoreField("Users' refuse threshold: lowest", 'boundsRejectMin')}
              {scoreField("Users' refuse threshold: highest", 'boundsRejectMax')}
              {scope === 'global' ? (
                <>
                  {scoreField('Outbound: hold from', 'outboundHold')}
                  {scoreField('Outbound: refuse from', 'outboundReject')}
                </>
              ) : null}
            </div>
          )}
          {props.session.role !== 'user' ? (
            <label className="check">
              <input
                type="checkbox"
                checked={form.asJson}
                onChange={(e) =>
                  set({
                    asJson: e.target.checked,
                    json: JSON.stringify(proposalLayer(scope, v, form), null, 2),
                  })
                }
              />{' '}
              Edit the whole layer as JSON
            </label>
          ) : null}
          <div className="button-row">
            <Field label="Preview over the last (days)">
              {(id) => (
                <select id={id} value={days} onChange={(e) => setDays(e.target.value)}>
                  {['1', '7', '14', '30'].map((d) => (
                    <option key={d}>{d}</option>
                  ))}
                </select>
              )}
            </Field>
            <button type="button" onClick={() => void runPreview()} disabled={previewing.busy}>
              Preview
            </button>
            <button type="button" className="primary" onClick={() => void save()} disabled={saving.busy}>
              Save
            </button>
          </div>
          <ErrorNote error={previewing.error} what="No preview" />
          <ErrorNote error={saving.error} what="Not saved" />
          <DoneNote text={saving.done} />
        </form>
      ) : null}
      {preview ? <PreviewResult preview={preview} /> : null}
    </Page>
  );
}

function proposalLayer(scope: Scope, v: PolicyView, f: Form): Record<string, unknown> {
  const p = proposalOf(scope, v, { ...f, asJson: false });
  return 'layer' in p ? p.layer : { thresholds: v.presets[p.sensitivity] };
}

function PreviewResult(props: { preview: PolicyPreview }) {
  const p = props.preview;
  const shown = ACTIONS.filter((a) => (p.actual[a] ?? 0) + (p.current[a] ?? 0) + (p.proposed[a] ?? 0) > 0);
  return (
    <section className="card" aria-labelledby="preview-title" aria-live="polite">
      <h2 id="preview-title">Preview</h2>
      <p>
        {p.messages} verdicts since {formatTime(p.since)}
        {p.capped ? ' (the newest ones; more were logged)' : ''}: <strong>{p.changed}</strong> would change.
      </p>
      <table className="table compact">
        <caption className="visually-hidden">Verdicts per action</caption>
        <thead>
          <tr>
            <th scope="col">Verdict</th>
            <th scope="col" className="num">
              As decided then
            </th>
            <th scope="col" className="num">
              Current policy
            </th>
            <th scope="col" className="num">
              Proposed
            </th>
          </tr>
        </thead>
        <tbody>
          {shown.map((a) => (
            <tr key={a}>
              <th scope="row">{actionLabel(a)}</th>
              <td className="num">{p.actual[a] ?? 0}</td>
              <td className="num">{p.current[a] ?? 0}</td>
              <td className="num">{p.proposed[a] ?? 0}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {p.examples.length > 0 ? (
        <>
          <h3>Examples that would change</h3>
          <table className="table compact">
            <thead>
              <tr>
                <th scope="col">Message</th>
                <th scope="col">Now</th>
                <th scope="col">Proposed</th>
              </tr>
            </thead>
            <tbody>
              {p.examples.map((e) => (
                <tr key={`${e.reference}:${e.recipient}`}>
                  <td>
                    <Link to={`/messages/${e.reference}${toQuery({ recipient: e.recipient })}`}>
                      {e.subject?.trim() || '(no subject)'}
                    </Link>
                    <br />
                    <small className="muted">
                      {e.sender} → {e.recipient}
                    </small>
                  </td>
                  <td>
                    <ActionBadge action={e.action} /> {formatScore(e.score)}
                  </td>
                  <td>
                    <ActionBadge action={e.proposedAction} /> {formatScore(e.proposedScore)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}
