/** The shell: sign-in, the top bar with the key's name and role, and the view of the route. */
import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { may } from './api/access';
import { apiKey } from './api/client';
import { Shortcuts } from './keyboard';
import { href, useRoute } from './route';
import { SessionContext, useWhoami } from './session';
import { ErrorNote, Loading } from './views/common';
import { CrmView } from './views/CrmView';
import { CustomerView } from './views/CustomerView';
import { JourneysView } from './views/JourneysView';
import { OperationsView } from './views/OperationsView';
import { SegmentsView } from './views/SegmentsView';
import { SignIn } from './views/SignIn';

const SECTIONS = ['journeys', 'customers', 'segments', 'crm', 'operations'];

// The canvas (React Flow, and ELK inside it) loads with the first journey opened.
const CanvasView = lazy(() => import('./views/CanvasView'));

export function App() {
  const [key, setKey] = useState(apiKey.get());
  const who = useWhoami(key);
  const route = useRoute();
  const queries = useQueryClient();
  const signOut = () => {
    apiKey.clear();
    setKey(null);
    queries.clear();
  };
  if (key === null || who.isError) {
    return (
      <SignIn
        error={who.error}
        onKey={(k) => {
          apiKey.set(k);
          setKey(k);
        }}
      />
    );
  }
  if (!who.data) return <Loading what="your API key" />;
  const [section = 'journeys', id] = route.path;
  return (
    <SessionContext.Provider value={who.data}>
      <header className="je-top">
        <a className="je-brand" href={href(['journeys'])}>
          Journey Engine
        </a>
        <nav>
          <a href={href(['journeys'])} className={section === 'journeys' ? 'active' : ''}>
            Journeys
          </a>
          <a href={href(['customers'])} className={section === 'customers' ? 'active' : ''}>
            Customers
          </a>
          <a href={href(['segments'])} className={section === 'segments' ? 'active' : ''}>
            Segments
          </a>
          {may(who.data.role, 'GET /v1/crm/tasks') && (
            <a href={href(['crm'])} className={section === 'crm' ? 'active' : ''}>
              CRM tasks
            </a>
          )}
          <a href={href(['operations'])} className={section === 'operations' ? 'active' : ''}>
            Operations
          </a>
        </nav>
        <span className="je-keys-hint" title="keyboard shortcuts">
          press <kbd>?</kbd> for keys
        </span>
        <span className="je-who" data-testid="who">
          {who.data.name} · <b>{who.data.role}</b>
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <Shortcuts />
      <main className="je-main">
        <Suspense fallback={<Loading what="the canvas" />}>
          {section === 'journeys' && !id && <JourneysView />}
          {section === 'journeys' && id && <CanvasView journeyId={id} mode={route.path[2] === 'edit' ? 'edit' : 'view'} query={route.query} />}
          {section === 'customers' && <CustomerView customerId={id} />}
          {section === 'segments' && <SegmentsView segmentKey={id} />}
          {section === 'crm' && <CrmView />}
          {section === 'operations' && <OperationsView />}
          {!SECTIONS.includes(section) && <ErrorNote error={new Error(`No page "${section}" here: use the menu above.`)} />}
        </Suspense>
      </main>
    </SessionContext.Provider>
  );
}
