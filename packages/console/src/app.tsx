// The console's frame: navigation, the admin-key gate, and the page the hash route names.
import { useEffect, useState } from 'preact/hooks';
import { credentials } from './api.js';
import { Login } from './components/login.js';
import { EndpointPage } from './pages/endpoint-page.js';
import { EndpointsPage } from './pages/endpoints-page.js';
import { JobPage } from './pages/job-page.js';
import { TryPage } from './pages/try-page.js';
import { href, useRoute, type Route } from './route.js';

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'endpoints':
      return <EndpointsPage />;
    case 'endpoint':
      return <EndpointPage endpointId={route.endpointId} />;
    case 'job':
      return <JobPage endpointId={route.endpointId} jobId={route.jobId} />;
    case 'try':
      return <TryPage endpointId={route.endpointId} />;
  }
}

const TITLES: Record<Route['page'], string> = {
  endpoints: 'Endpoints',
  endpoint: 'Endpoint',
  job: 'Job',
  try: 'Try it',
};

export function App() {
  const route = useRoute();
  const [gate, setGate] = useState<'open' | 'ask' | 'refused'>('open');
  // Remounts the page after signing in, so every view loads again with the key.
  const [session, setSession] = useState(0);
  useEffect(() => credentials.onUnauthorized((hadKey) => setGate(hadKey ? 'refused' : 'ask')), []);
  useEffect(() => {
    document.title = `${TITLES[route.page]} · Sluice console`;
  }, [route.page]);

  if (gate !== 'open') {
    return (
      <Login
        refused={gate === 'refused'}
        onKey={() => {
          setGate('open');
          setSession((s) => s + 1);
        }}
      />
    );
  }
  return (
    <>
      {/* A button, not an in-page link: the hash holds the route. */}
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <a class="brand" href={href.endpoints()}>
          Sluice
        </a>
        <nav aria-label="Main">
          <a href={href.endpoints()} aria-current={route.page === 'endpoints' ? 'page' : undefined}>
            Endpoints
          </a>
          <a href={href.tryIt()} aria-current={route.page === 'try' ? 'page' : undefined}>
            Try it
          </a>
        </nav>
        {credentials.get() !== null && (
          <button
            type="button"
            class="link"
            onClick={() => {
              credentials.clear();
              setGate('ask');
            }}
          >
            Sign out
          </button>
        )}
      </header>
      <main id="main" tabIndex={-1} key={session}>
        <Page route={route} />
      </main>
    </>
  );
}
