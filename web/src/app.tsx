import { useState, type FormEvent } from 'react';
import { CapabilitiesPage } from './pages/capabilities-page.js';
import { AuditPage } from './pages/audit-page.js';
import { RunPage } from './pages/run-page.js';
import { RunsPage } from './pages/runs-page.js';
import { onLinkClick, useRoute } from './router.js';
import { SessionProvider, useSession } from './session.js';

function TokenForm({ message }: { message: string | null }) {
  const { signIn } = useSession();
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    await signIn(token);
    setBusy(false);
  };
  return (
    <main className="page narrow">
      <h1>Sign in</h1>
      <p>
        This server needs a token. Create one with <code>baton token create --scope read,approve --name NAME</code> and
        paste its secret here. It is kept in this tab only (session storage).
      </p>
      {message && (
        <p className="error" role="alert">
          {message}
        </p>
      )}
      <form onSubmit={(event) => void submit(event)} className="token-form">
        <label htmlFor="token">Token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          value={token}
          onChange={(event) => setToken(event.target.value)}
          placeholder="baton_..."
          required
        />
        <button type="submit" className="primary" disabled={busy || token.trim() === ''}>
          Sign in
        </button>
      </form>
    </main>
  );
}

function Header() {
  const { access, signOut } = useSession();
  const route = useRoute();
  const here = route.page === 'capabilities' ? 'capabilities' : 'runs';
  return (
    <header className="topbar">
      <a href="/" onClick={onLinkClick} className="brand" aria-label="Baton: runs">
        <span className="brand-mark" aria-hidden="true">
          ◆
        </span>{' '}
        Baton
      </a>
      <nav aria-label="Main">
        <a href="/" onClick={onLinkClick} aria-current={here === 'runs' ? 'page' : undefined}>
          Runs
        </a>
        <a href="/capabilities" onClick={onLinkClick} aria-current={here === 'capabilities' ? 'page' : undefined}>
          Capabilities
        </a>
      </nav>
      <div className="who">
        {access.state === 'anonymous' && (
          <span className="pill muted" title="An open loopback server: enter a token to act">
            read-only (no token)
          </span>
        )}
        {access.state === 'token' && (
          <button type="button" className="link" onClick={signOut}>
            Sign out
          </button>
        )}
      </div>
    </header>
  );
}

function Pages() {
  const { access } = useSession();
  const route = useRoute();
  if (access.state === 'checking') return <main className="page">Connecting…</main>;
  if (access.state === 'needs-token') return <TokenForm message={access.message} />;
  if (access.state === 'offline')
    return (
      <main className="page">
        <p className="error" role="alert">
          The server did not answer: {access.message}
        </p>
      </main>
    );
  switch (route.page) {
    case 'runs':
      return <RunsPage />;
    case 'run':
      return <RunPage key={route.runId} runId={route.runId} selected={route.step} />;
    case 'audit':
      return <AuditPage key={route.runId} runId={route.runId} />;
    case 'capabilities':
      return <CapabilitiesPage />;
    default:
      return (
        <main className="page">
          <h1>Not found</h1>
          <p>
            No page at <code>{route.path}</code>.{' '}
            <a href="/" onClick={onLinkClick}>
              See the runs
            </a>
            .
          </p>
        </main>
      );
  }
}

export function App() {
  return (
    <SessionProvider>
      <a href="#content" className="skip">
        Skip to content
      </a>
      <Header />
      <div id="content">
        <Pages />
      </div>
    </SessionProvider>
  );
}
