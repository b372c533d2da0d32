import { useCallback, useEffect, useState } from 'react';
import { BrowserRouter, Navigate, NavLink, Route, Routes } from 'react-router';
import { api, ApiError, SIGNED_OUT_EVENT } from './api';
import { AuditPage } from './pages/audit';
import { AupRuleEditor, AupRulesPage } from './pages/aup-rules';
import { DashboardPage } from './pages/dashboard';
import { DelistingPage } from './pages/delisting';
import { ListsPage } from './pages/lists';
import { MessageLogPage } from './pages/message-log';
import { MessagePage } from './pages/message';
import { MessagesPage } from './pages/messages';
import { OutboundAccountPage, OutboundPage } from './pages/outbound';
import { PolicyPage } from './pages/policy';
import { QuarantineMessagePage, QuarantinePage } from './pages/quarantine';
import { SignInPage } from './pages/sign-in';
import { TranscriptPage } from './pages/transcript';
import { UsersPage } from './pages/users';
import type { Role, Session } from './types';

interface NavItem {
  readonly to: string;
  readonly label: string;
}

/** What each role finds in the navigation (the API refuses the rest anyway). */
export function navFor(role: Role): NavItem[] {
  switch (role) {
    case 'user':
      return [
        { to: '/messages', label: 'My mail' },
        { to: '/refused', label: 'Refused for me' },
        { to: '/quarantine', label: 'Quarantine' },
        { to: '/lists', label: 'Allow & block' },
        { to: '/sensitivity', label: 'Sensitivity' },
      ];
    case 'domain_admin':
      return [
        { to: '/messages', label: 'Domain mail' },
        { to: '/quarantine', label: 'Quarantine' },
        { to: '/domain/users', label: 'Users' },
        { to: '/domain/lists', label: 'Domain lists' },
        { to: '/domain/policy', label: 'Domain policy' },
      ];
    case 'operator':
      return [
        { to: '/operator/dashboard', label: 'Dashboard' },
        { to: '/operator/messages', label: 'Message log' },
        { to: '/quarantine', label: 'Quarantine' },
        { to: '/operator/aup', label: 'AUP rules' },
        { to: '/operator/outbound', label: 'Outbound' },
        { to: '/operator/delisting', label: 'Delisting' },
        { to: '/operator/audit', label: 'Audit log' },
        { to: '/operator/lists', label: 'Global lists' },
        { to: '/operator/policy', label: 'Global policy' },
      ];
  }
}

const ROLE_NAMES: Record<Role, string> = { user: 'user', domain_admin: 'domain admin', operator: 'operator' };

function Shell(props: { session: Session; onSignOut: () => void }) {
  const { session } = props;
  const home = navFor(session.role)[0]!.to;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">spamfilter</span>
        <nav aria-label="Main" className="nav">
          <ul>
            {navFor(session.role).map((n) => (
              <li key={n.to}>
                <NavLink to={n.to}>{n.label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span>
            {session.address ?? 'operator key'} <small>({ROLE_NAMES[session.role]})</small>
          </span>
          <button type="button" className="link-button" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Routes>
          <Route path="/" element={<Navigate to={home} replace />} />
          <Route path="/messages" element={<MessagesPage session={session} />} />
          <Route path="/messages/:reference" element={<MessagePage session={session} />} />
          <Route path="/refused" element={<MessagesPage session={session} refused />} />
          <Route path="/quarantine" element={<QuarantinePage session={session} />} />
          <Route path="/quarantine/:id" element={<QuarantineMessagePage session={session} />} />
          <Route path="/lists" element={<ListsPage session={session} scope="user" />} />
          <Route path="/sensitivity" element={<PolicyPage session={session} scope="user" />} />
          <Route path="/domain/users" element={<UsersPage session={session} />} />
          <Route path="/domain/lists" element={<ListsPage session={session} scope="domain" />} />
          <Route path="/domain/policy" element={<PolicyPage session={session} scope="domain" />} />
          <Route path="/operator/dashboard" element={<DashboardPage />} />
          <Route path="/operator/messages" element={<MessageLogPage />} />
          <Route path="/operator/messages/:reference" element={<TranscriptPage />} />
          <Route path="/operator/aup" element={<AupRulesPage />} />
          <Route path="/operator/aup/:id" element={<AupRuleEditor />} />
          <Route path="/operator/outbound" element={<OutboundPage />} />
          <Route path="/operator/outbound/:address" element={<OutboundAccountPage />} />
          <Route path="/operator/delisting" element={<DelistingPage />} />
          <Route path="/operator/audit" element={<AuditPage />} />
          <Route path="/operator/lists" element={<ListsPage session={session} scope="global" />} />
          <Route path="/operator/policy" element={<PolicyPage session={session} scope="global" />} />
          <Route path="*" element={<Navigate to={home} replace />} />
        </Routes>
      </main>
    </>
  );
}

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [checked, setChecked] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    api<Session>('/v1/session', { expectUnauthorized: true }).then(
      (s) => {
        setSession(s);
        setChecked(true);
      },
      (err: unknown) => {
        if (!(err instanceof ApiError && err.status === 401))
          setNotice(err instanceof Error ? err.message : String(err));
        setChecked(true);
      },
    );
    const ended = () => {
      setSession(null);
      setNotice('Your session has ended. Please sign in again.');
    };
    window.addEventListener(SIGNED_OUT_EVENT, ended);
    return () => window.removeEventListener(SIGNED_OUT_EVENT, ended);
  }, []);

  const signOut = useCallback(() => {
    void api('/v1/session', { method: 'DELETE' }).finally(() => {
      setSession(null);
      setNotice('You are signed out.');
    });
  }, []);

  if (!checked) return null;
  return (
    <BrowserRouter basename="/console">
      {session ? (
        <Shell session={session} onSignOut={signOut} />
      ) : (
        <main id="main" tabIndex={-1} className="signin-main">
          <SignInPage
            notice={notice}
            onSignedIn={(s) => {
              setNotice(null);
              setSession(s);
            }}
          />
        </main>
      )}
    </BrowserRouter>
  );
}
