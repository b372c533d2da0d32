import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../api';
import { DoneNote, Empty, ErrorNote, Field, Loading, Page } from '../components/ui';
import { useAction, useApi } from '../hooks';
import {
  ALL_FIELDS,
  emptyCondition,
  FIELD_LABELS,
  fromSpec,
  isNumberField,
  opsFor,
  toSpec,
  withField,
  type RuleForm,
} from '../lib/aup';
import { formatTime } from '../lib/format';
import type { AupPreview, AupRule } from '../types';

const OP_LABELS: Record<string, string> = {
  contains: 'contains',
  equals: 'is',
  domain: 'is in domain',
  regex: 'matches pattern',
  gte: 'is at least',
};

function describe(r: AupRule): string {
  return r.conditions
    .map((c) => `${FIELD_LABELS[c.field] ?? c.field} ${OP_LABELS[c.op] ?? c.op} ${String(c.value)}`)
    .join(' and ');
}

/** The acceptable-use-policy rules for outbound mail. */
export function AupRulesPage() {
  const rules = useApi<AupRule[]>('/v1/operator/aup-rules');
  return (
    <Page
      title="Acceptable-use rules"
      intro="Rules for outbound mail. A matching rule adds its score; the outbound thresholds decide whether the message is held or refused."
      actions={
        <Link className="button primary" to="/operator/aup/new">
          New rule
        </Link>
      }
    >
      <ErrorNote error={rules.error} what="Could not load the rules" />
      <Loading loading={rules.loading && !rules.data} />
      {rules.data && rules.data.length === 0 ? <Empty>No rules yet.</Empty> : null}
      {rules.data && rules.data.length > 0 ? (
        <table className="table">
          <caption className="visually-hidden">Rules</caption>
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">When</th>
              <th scope="col" className="num">
                Score
              </th>
              <th scope="col">State</th>
              <th scope="col">Changed</th>
            </tr>
          </thead>
          <tbody>
            {rules.data.map((r) => (
              <tr key={r.id}>
                <td>
                  <Link to={`/operator/aup/${r.id}`}>{r.name}</Link>
                </td>
                <td>{describe(r)}</td>
                <td className="num">{r.score}</td>
                <td>{r.enabled ? 'On' : 'Off'}</td>
                <td>{formatTime(r.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Page>
  );
}

const NEW_RULE: RuleForm = {
  name: '',
  description: '',
  enabled: true,
  score: '5',
  conditions: [emptyCondition()],
};

/**
 * Editing a rule. Saving is offered only after a preview of exactly what is in the form: the operator sees how many
 * of the last day's outbound messages the rule would have caught before it applies to everyone's mail.
 */
export function AupRuleEditor() {
  const { id = 'new' } = useParams();
  const creating = id === 'new';
  const navigate = useNavigate();
  const stored = useApi<AupRule>(creating ? null : `/v1/operator/aup-rules/${id}`);
  const [form, setForm] = useState<RuleForm>(NEW_RULE);
  const [preview, setPreview] = useState<{ of: string; result: AupPreview } | null>(null);
  const previewing = useAction();
  const saving = useAction();

  // The form takes the stored rule once per version: a reload that brings nothing new never overwrites an edit.
  const [loadedVersion, setLoadedVersion] = useState<string | null>(null);
  useEffect(() => {
    const d = stored.data;
    if (!d || loadedVersion === `${d.id}:${d.version}`) return;
    setLoadedVersion(`${d.id}:${d.version}`);
    setForm(fromSpec(d));
  }, [stored.data, loadedVersion]);

  const spec = toSpec(form);
  const specKey = JSON.stringify(spec);
  const previewed = preview !== null && preview.of === specKey;

  const update = (patch: Partial<RuleForm>) => setForm({ ...form, ...patch });
  const setCondition = (i: number, row: RuleForm['conditions'][number]) =>
    update({ conditions: form.conditions.map((c, j) => (j === i ? row : c)) });

  const runPreview = () =>
    previewing.run(async () => {
      const result = await api<AupPreview>('/v1/operator/aup-rules/preview', { method: 'POST', body: spec });
      setPreview({ of: specKey, result });
    });
  const save = () =>
    saving.run(async () => {
      const saved = creating
        ? await api<AupRule>('/v1/operator/aup-rules', { method: 'POST', body: spec })
        : await api<AupRule>(`/v1/operator/aup-rules/${id}`, {
            method: 'PUT',
            body: { ...spec, version: stored.data?.version },
          });
      if (creating) void navigate(`/operator/aup/${saved.id}`, { replace: true });
      else stored.reload();
      return `Rule "${saved.name}" saved (version ${saved.version}). Filters apply it to the next outbound message.`;
    });
  const remove = () =>
    saving.run(async () => {
      await api(`/v1/operator/aup-rules/${id}`, { method: 'DELETE' });
      void navigate('/operator/aup');
    });

  return (
    <Page title={creating ? 'New acceptable-use rule' : `Rule: ${stored.data?.name ?? ''}`}>
      <p>
        <Link to="/operator/aup">← All rules</Link>
      </p>
      <ErrorNote error={stored.error} what="Could not load the rule" />
      <form className="card" onSubmit={(e) => e.preventDefault()} aria-labelledby="rule-form-title">
        <h2 id="rule-form-title">The rule</h2>
        <div className="form-grid">
          <Field label="Name" hint="letters, digits, space, _ . -">
            {(fid, hint) => (
              <input
                id={fid}
                required
                aria-describedby={hint}
                value={form.name}
                onChange={(e) => update({ name: e.target.value })}
              />
            )}
          </Field>
          <Field label="Score when it matches" hint="points added to the outbound score (-100 to 100)">
            {(fid, hint) => (
              <input
                id={fid}
                type="number"
                step="0.5"
                aria-describedby={hint}
                value={form.score}
                onChange={(e) => update({ score: e.target.value })}
              />
            )}
          </Field>
          <Field label="Description">
            {(fid) => (
              <input
                id={fid}
                value={form.description}
                onChange={(e) => update({ description: e.target.value })}
              />
            )}
          </Field>
          <label className="check">
            <input
              type="checkbox"
              checked={form.enabled}
              onChange={(e) => update({ enabled: e.target.checked })}
            />{' '}
            Enabled
          </label>
        </div>
        <fieldset>
          <legend>Conditions (all must match)</legend>
          {form.conditions.map((c, i) => (
            <div className="condition" key={i}>
              <Field label={`Condition ${i + 1}: field`}>
                {(fid) => (
                  <select
                    id={fid}
                    value={c.field}
                    onChange={(e) => setCondition(i, withField(c, e.target.value))}
                  >
                    {ALL_FIELDS.map((f) => (
                      <option key={f} value={f}>
                        {FIELD_LABELS[f] ?? f}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label={`Condition ${i + 1}: test`}>
                {(fid) => (
                  <select
                    id={fid}
                    value={c.op}
                    onChange={(e) => setCondition(i, { ...c, op: e.target.value })}
                  >
                    {opsFor(c.field).map((o) => (
                      <option key={o} value={o}>
                        {OP_LABELS[o] ?? o}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label={`Condition ${i + 1}: value`}>
                {(fid) => (
                  <input
                    id={fid}
                    type={isNumberField(c.field) ? 'number' : 'text'}
                    value={c.value}
                    onChange={(e) => setCondition(i, { ...c, value: e.target.value })}
                  />
                )}
              </Field>
              <button
                type="button"
                disabled={form.conditions.length === 1}
                onClick={() => update({ conditions: form.conditions.filter((_, j) => j !== i) })}
                aria-label={`Remove condition ${i + 1}`}
              >
                Remove
              </button>
            </div>
          ))}
          <button
            type="button"
            disabled={form.conditions.length >= 10}
            onClick={() => update({ conditions: [...form.conditions, emptyCondition()] })}
          >
            Add a condition
          </button>
        </fieldset>
        <div className="button-row">
          <button type="button" onClick={() => void runPreview()} disabled={previewing.busy}>
            Preview on the last day of outbound mail
          </button>
          <button
            type="button"
            className="primary"
            onClick={() => void save()}
            disabled={!previewed || saving.busy}
            aria-describedby="save-hint"
          >
            Save rule
          </button>
          {!creating ? (
            <button type="button" className="danger" onClick={() => void remove()} disabled={saving.busy}>
              Delete rule
            </button>
          ) : null}
        </div>
        <small id="save-hint" className="hint">
          {previewed ? 'Previewed: you can save.' : 'Preview the rule as it is now before you save it.'}
        </small>
        <ErrorNote error={previewing.error} what="No preview" />
        <ErrorNote error={saving.error} what="Not saved" />
        <DoneNote text={saving.done} />
      </form>
      {preview ? (
        <section className="card" aria-labelledby="aup-preview-title" aria-live="polite">
          <h2 id="aup-preview-title">Preview</h2>
          <p data-testid="aup-preview">
            Of {preview.result.examined} outbound messages since {formatTime(preview.result.since)}
            {preview.result.capped ? ' (the newest ones)' : ''}, the rule would have matched{' '}
            <strong>{preview.result.matched}</strong>
            {preview.result.undecidable > 0
              ? `; ${preview.result.undecidable} could not be judged from the log (the rule looks at the body, links or attachments, which the log does not keep)`
              : ''}
            .{preview.of !== specKey ? ' The form has changed since: preview again.' : ''}
          </p>
          {preview.result.sample.length > 0 ? (
            <ul>
              {preview.result.sample.map((r) => (
                <li key={r}>
                  <Link to={`/operator/messages/${r}`}>{r}</Link>
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      ) : null}
    </Page>
  );
}
