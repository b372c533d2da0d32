import { useState } from 'react';
import { DayRangeFields, Empty, ErrorNote, Field, Loading, Page, Pager, SearchForm } from '../components/ui';
import { useApi } from '../hooks';
import { AUDIT_SUBJECTS } from '../lib/constants';
import { dayToIso, formatTime } from '../lib/format';
import { toQuery } from '../lib/query';
import type { AuditEntry } from '../types';

const LIMIT = 100;

function json(v: unknown): string {
  return v === null || v === undefined ? '—' : JSON.stringify(v, null, 1);
}

/** Who changed what and when: the append-only audit log (lists, policies, rules, blocks, keys, users). */
export function AuditPage() {
  const [form, setForm] = useState({
    actor: '',
    subject: '',
    subjectId: '',
    action: '',
    fromDay: '',
    toDay: '',
  });
  const [applied, setApplied] = useState(form);
  const [offset, setOffset] = useState(0);
  const page = useApi<AuditEntry[]>(
    `/v1/operator/audit-log${toQuery({
      actor: applied.actor,
      subject: applied.subject,
      subjectId: applied.subjectId,
      action: applied.action,
      from: dayToIso(applied.fromDay),
      to: dayToIso(applied.toDay, true),
      limit: LIMIT,
      offset,
    })}`,
  );
  const search = () => {
    setOffset(0);
    setApplied(form);
  };
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm({ ...form, [k]: e.target.value });
  return (
    <Page
      title="Audit log"
      intro="Every change by an operator, a domain admin or a user that affects others. Nothing here can be edited or deleted."
    >
      <SearchForm label="Search the audit log" onSubmit={search}>
        <Field label="Who">{(id) => <input id={id} value={form.actor} onChange={set('actor')} />}</Field>
        <Field label="Subject">
          {(id) => (
            <select id={id} value={form.subject} onChange={set('subject')}>
              <option value="">Any</option>
              {AUDIT_SUBJECTS.map((s) => (
                <option key={s} value={s}>
                  {s.replace('_', ' ')}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Subject id">
          {(id) => <input id={id} value={form.subjectId} onChange={set('subjectId')} />}
        </Field>
        <Field label="Action">{(id) => <input id={id} value={form.action} onChange={set('action')} />}</Field>
        <DayRangeFields
          fromDay={form.fromDay}
          toDay={form.toDay}
          onChange={(k, day) => setForm({ ...form, [k]: day })}
        />
      </SearchForm>
      <ErrorNote error={page.error} what="Could not search" />
      <Loading loading={page.loading && !page.data} />
      {page.data && page.data.length === 0 ? <Empty>Nothing recorded.</Empty> : null}
      {page.data && page.data.length > 0 ? (
        <table className="table">
          <caption className="visually-hidden">Audit log</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Why</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {page.data.map((a) => (
              <tr key={a.id}>
                <td className="nowrap">{formatTime(a.at)}</td>
                <td>
                  {a.actor}
                  <br />
                  <small className="muted">{a.actorRole.replace('_', ' ')}</small>
                </td>
                <td>
                  <strong>{a.action}</strong> {a.subject.replace('_', ' ')} <code>{a.subjectId}</code>
                </td>
                <td>{a.reason ?? ''}</td>
                <td>
                  <details>
                    <summary>Before and after</summary>
                    <div className="diff">
                      <pre className="mono" tabIndex={0} aria-label="Before">
                        {json(a.before)}
                      </pre>
                      <pre className="mono" tabIndex={0} aria-label="After">
                        {json(a.after)}
                      </pre>
                    </div>
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {page.data ? (
        <Pager
          offset={offset}
          limit={LIMIT}
          hasMore={page.data.length === LIMIT}
          labels={['Newer', 'Older']}
          onPage={setOffset}
        />
      ) : null}
    </Page>
  );
}
