import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api';
import { ErrorNote, Field, Page } from '../components/ui';
import { useAction } from '../hooks';
import type { Session } from '../types';

/**
 * Sign-in. An API key is sent once, as the Bearer credential of POST /v1/session, and the answer's HttpOnly cookie
 * carries the session from then on: the key is cleared from the form at once and never stored by the page. With
 * mailbox sign-in configured, users may use their mailbox address and password instead (checked by the provider's
 * IMAP server).
 */
export function SignInPage(props: { notice: string | null; onSignedIn: (s: Session) => void }) {
  const [key, setKey] = useState('');
  const [address, setAddress] = useState('');
  const [password, setPassword] = useState('');
  const [mailboxSignIn, setMailboxSignIn] = useState(false);
  const keyAction = useAction();
  const mailboxAction = useAction();

  useEffect(() => {
    fetch('/console/config.json', { credentials: 'same-origin' })
      .then((r) => (r.ok ? (r.json() as Promise<{ mailboxSignIn: boolean }>) : { mailboxSignIn: false }))
      .then((c) => setMailboxSignIn(c.mailboxSignIn === true))
      .catch(() => setMailboxSignIn(false));
  }, []);

  const withKey = (e: FormEvent) => {
    e.preventDefault();
    const presented = key.trim();
    setKey('');
    void keyAction.run(async () => {
      const s = await api<Session>('/v1/session', {
        method: 'POST',
        bearer: presented,
        body: {},
        expectUnauthorized: true,
      });
      props.onSignedIn(s);
    });
  };

  const withMailbox = (e: FormEvent) => {
    e.preventDefault();
    const secret = password;
    setPassword('');
    void mailboxAction.run(async () => {
      const s = await api<Session>('/v1/session/mailbox', {
        method: 'POST',
        body: { address: address.trim(), password: secret },
        expectUnauthorized: true,
      });
      props.onSignedIn(s);
    });
  };

  return (
    <Page title="Sign in to the spam filter console">
      {props.notice ? (
        <p className="note" role="status">
          {props.notice}
        </p>
      ) : null}
      <div className="signin">
        {mailboxSignIn ? (
          <form onSubmit={withMailbox} className="card" aria-labelledby="mailbox-title">
            <h2 id="mailbox-title">With your mailbox</h2>
            <Field label="Email address">
              {(id) => (
                <input
                  id={id}
                  type="email"
                  autoComplete="username"
                  required
                  value={address}
                  onChange={(e) => setAddress(e.target.value)}
                />
              )}
            </Field>
            <Field label="Password">
              {(id) => (
                <input
                  id={id}
                  type="password"
                  autoComplete="current-password"
                  required
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                />
              )}
            </Field>
            <ErrorNote error={mailboxAction.error} what="Not signed in" />
            <button type="submit" className="primary" disabled={mailboxAction.busy}>
              Sign in
            </button>
          </form>
        ) : null}
        <form onSubmit={withKey} className="card" aria-labelledby="key-title">
          <h2 id="key-title">With an API key</h2>
          <Field
            label="API key"
            hint="Starts with sf_. It is sent once to open a session and is not kept in the browser."
          >
            {(id, hint) => (
              <input
                id={id}
                type="password"
                autoComplete="off"
                spellCheck={false}
                required
                aria-describedby={hint}
                value={key}
                onChange={(e) => setKey(e.target.value)}
              />
            )}
          </Field>
          <ErrorNote error={keyAction.error} what="Not signed in" />
          <button type="submit" className="primary" disabled={keyAction.busy}>
            Sign in
          </button>
        </form>
      </div>
    </Page>
  );
}
