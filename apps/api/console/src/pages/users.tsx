import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api } from '../api';
import { DoneNote, Empty, ErrorNote, Field, Loading, Page, Pager, SearchForm } from '../components/ui';
import { useAction, useApi } from '../hooks';
import { formatTime } from '../lib/format';
import { toQuery } from '../lib/query';
import type { MailboxPage, Session } from '../types';

const LIMIT = 50;

/** A domain's users, for its admins: find one, open their mail, list and sensitivity; add a user; give them a key. */
export function UsersPage(props: { session: Session }) {
  const [search, setSearch] = useState('');
  const [applied, setApplied] = useState('');
  const [offset, setOffset] = useState(0);
  const page = useApi<MailboxPage>(`/v1/users${toQuery({ search: applied, limit: LIMIT, offset })}`);
  const [address, setAddress] = useState('');
  const [issued, setIssued] = useState<{ address: string; token: string } | null>(null);
  const add = useAction();
  const key = useAction();

  const create = (e: FormEvent) => {
    e.preventDefault();
    void add.run(async () => {
      const a = address.trim().toLowerCase();
      await api('/v1/users', { method: 'POST', body: { address: a } });
      setAddress('');
      page.reload();
      return `${a} added.`;
    });
  };
  const issueKey = (id: string, who: string) =>
    key.run(async () => {
      const k = await api<{ token: string }>(`/v1/users/${id}/keys`, {
        method: 'POST',
        body: { role: 'user', label: 'console' },
      });
      setIssued({ address: who, token: k.token });
    });

  return (
    <Page
      title={`Users of ${props.session.domain ?? 'your domain'}`}
      intro="Open a user's mail, allow & block list or sensitivity to help them."
    >
      <SearchForm
        label="Find a user"
        submit="Find"
        onSubmit={() => {
          setOffset(0);
          setApplied(search.trim());
        }}
      >
        <Field label="Address contains">
          {(id) => <input id={id} value={search} onChange={(e) => setSearch(e.target.value)} />}
        </Field>
      </SearchForm>
      <ErrorNote error={page.error} what="Could not load the users" />
      <Loading loading={page.loading && !page.data} />
      {issued ? (
        <div className="note note-done" role="status">
          Key for {issued.address} (shown this once; hand it over securely):{' '}
          <code className="secret">{issued.token}</code>
        </div>
      ) : null}
      <ErrorNote error={key.error} what="No key issued" />
      {page.data && page.data.items.length === 0 ? <Empty>No users match.</Empty> : null}
      {page.data && page.data.items.length > 0 ? (
        <>
          <p className="muted">{page.data.total} users</p>
          <table className="table">
            <caption className="visually-hidden">Users</caption>
            <thead>
              <tr>
                <th scope="col">Address</th>
                <th scope="col">Since</th>
                <th scope="col">Open</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {page.data.items.map((u) => (
                <tr key={u.id}>
                  <td>
                    {u.address}
                    {u.displayName ? <small className="muted"> {u.displayName}</small> : null}
                  </td>
                  <td>{formatTime(u.createdAt)}</td>
                  <td className="links">
                    <Link to={`/messages${toQuery({ user: u.address })}`}>Mail</Link>{' '}
                    <Link to={`/domain/lists${toQuery({ user: u.address })}`}>Lists</Link>{' '}
                    <Link to={`/domain/policy${toQuery({ user: u.address })}`}>Sensitivity</Link>
                  </td>
                  <td>
                    <button
                      type="button"
                      disabled={key.busy}
                      onClick={() => void issueKey(u.id, u.address)}
                      aria-label={`Issue key for ${u.address}`}
                    >
                      Issue key
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager
            offset={offset}
            limit={LIMIT}
            hasMore={offset + LIMIT < page.data.total}
            onPage={setOffset}
          />
        </>
      ) : null}
      <form className="card" onSubmit={create} aria-labelledby="add-user-title">
        <h2 id="add-user-title">Add a user</h2>
        <Field label="Mailbox address">
          {(id) => (
            <input
              id={id}
              type="email"
              required
              value={address}
              onChange={(e) => setAddress(e.target.value)}
              placeholder={`name@${props.session.domain ?? 'example.org'}`}
            />
          )}
        </Field>
        <button type="submit" className="primary" disabled={add.busy}>
          Add
        </button>
        <DoneNote text={add.done} />
        <ErrorNote error={add.error} what="Not added" />
      </form>
    </Page>
  );
}
