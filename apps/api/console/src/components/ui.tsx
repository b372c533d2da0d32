import { useEffect, useId, useRef, type FormEvent, type ReactNode } from 'react';
import type { ApiError } from '../api';
import { ACTIONS } from '../lib/constants';
import { actionLabel, actionTone } from '../lib/format';

/** A page: sets the document title and puts focus on the heading when it opens (screen readers announce it). */
export function Page(props: { title: string; intro?: ReactNode; actions?: ReactNode; children: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · spamfilter console`;
    heading.current?.focus();
  }, [props.title]);
  return (
    <section className="page" aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title" tabIndex={-1} ref={heading}>
          {props.title}
        </h1>
        {props.actions ? <div className="page-actions">{props.actions}</div> : null}
      </div>
      {props.intro ? <p className="intro">{props.intro}</p> : null}
      {props.children}
    </section>
  );
}

export function ErrorNote(props: { error: ApiError | null; what?: string }) {
  if (!props.error) return null;
  return (
    <p className="note note-error" role="alert">
      {props.what ? `${props.what}: ` : ''}
      {props.error.message}
    </p>
  );
}

export function DoneNote(props: { text: string | null }) {
  return (
    <p className="note note-done" role="status" hidden={!props.text}>
      {props.text}
    </p>
  );
}

export function Loading(props: { loading: boolean }) {
  return props.loading ? (
    <p className="muted" role="status">
      Loading…
    </p>
  ) : null;
}

export function ActionBadge(props: { action: string }) {
  return <span className={`badge badge-${actionTone(props.action)}`}>{actionLabel(props.action)}</span>;
}

export function Empty(props: { children: ReactNode }) {
  return <p className="empty">{props.children}</p>;
}

/** A labelled form control: the label names the control for screen readers and enlarges its click target. */
export function Field(props: {
  label: string;
  hint?: string;
  children: (id: string, describedBy?: string) => ReactNode;
}) {
  const id = useId();
  const hintId = props.hint ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.children(id, hintId)}
      {props.hint ? (
        <small id={hintId} className="hint">
          {props.hint}
        </small>
      ) : null}
    </div>
  );
}

/**
 * A page's search form: a landmark screen readers list by its label, the fields, then the submit button (and any
 * further buttons, such as Clear). `onSubmit` gets the event with its default (a page load) already prevented.
 */
export function SearchForm(props: {
  label: string;
  onSubmit: () => void;
  submit?: string;
  buttons?: ReactNode;
  children: ReactNode;
}) {
  const submit = (e: FormEvent) => {
    e.preventDefault();
    props.onSubmit();
  };
  return (
    <form className="filters" role="search" aria-label={props.label} onSubmit={submit}>
      {props.children}
      <div className="filter-buttons">
        <button type="submit" className="primary">
          {props.submit ?? 'Search'}
        </button>
        {props.buttons}
      </div>
    </form>
  );
}

/** The "Verdict" choice of a search form: any action, or one, in the words the list shows. */
export function ActionSelect(props: { value: string; onChange: (action: string) => void }) {
  return (
    <Field label="Verdict">
      {(id) => (
        <select id={id} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
          <option value="">Any</option>
          {ACTIONS.map((a) => (
            <option key={a} value={a}>
              {actionLabel(a)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** The "From date" / "To date" pair of a search form (whole days; the page turns them into times with dayToIso). */
export function DayRangeFields(props: {
  fromDay: string;
  toDay: string;
  onChange: (field: 'fromDay' | 'toDay', day: string) => void;
}) {
  const days = [
    ['fromDay', 'From date'],
    ['toDay', 'To date'],
  ] as const;
  return (
    <>
      {days.map(([field, label]) => (
        <Field key={field} label={label}>
          {(id) => (
            <input
              id={id}
              type="date"
              value={props[field]}
              onChange={(e) => props.onChange(field, e.target.value)}
            />
          )}
        </Field>
      ))}
    </>
  );
}

export function Pager(props: {
  offset: number;
  limit: number;
  hasMore: boolean;
  onPage: (offset: number) => void;
  labels?: [string, string];
}) {
  const [prev, next] = props.labels ?? ['Previous', 'Next'];
  if (props.offset === 0 && !props.hasMore) return null;
  return (
    <nav className="pager" aria-label="Pages">
      <button
        type="button"
        disabled={props.offset === 0}
        onClick={() => props.onPage(Math.max(0, props.offset - props.limit))}
      >
        {prev}
      </button>
      <span className="muted">
        {props.offset + 1}–{props.offset + props.limit}
      </span>
      <button
        type="button"
        disabled={!props.hasMore}
        onClick={() => props.onPage(props.offset + props.limit)}
      >
        {next}
      </button>
    </nav>
  );
}
