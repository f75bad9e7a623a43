import type { FormEvent } from 'react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ConsoleApi, describeError } from './api.ts';
import { AuditScreen } from './audit-screen.tsx';
import { CatalogScreen } from './catalog-screen.tsx';
import type { Branch, ConsoleContextValue, RefusedSale } from './console-context.tsx';
import { ConsoleContext, REFUSED_FIELDS } from './console-context.tsx';
import { t } from './messages.ts';
import { RefusedScreen } from './refused-screen.tsx';
import { SalesScreen } from './sales-screen.tsx';
import { clearToken, readToken, saveToken } from './session.ts';
import { TerminalsScreen } from './terminals-screen.tsx';
import { Announcer } from './ui.tsx';

const SCREENS = ['terminals', 'refused', 'sales', 'audit', 'catalog'] as const;
type Screen = (typeof SCREENS)[number];

const SIGN_IN_QUERY = '{ branches { id name currency } }';

/** The screen named in the URL hash (`#refused`), so a reload or a link keeps the place. */
function screenOfHash(): Screen {
  const name = location.hash.replace(/^#/, '');
  return (SCREENS as readonly string[]).includes(name) ? (name as Screen) : 'terminals';
}

export function App() {
  const [session, setSession] = useState<{ api: ConsoleApi; branches: Branch[] } | null>(null);
  const [checking, setChecking] = useState(() => readToken() !== null);
  const [refusal, setRefusal] = useState<string | null>(null);

  const signIn = useCallback(async (token: string, remember: boolean) => {
    setChecking(true);
    setRefusal(null);
    const api = new ConsoleApi(token);
    try {
      const data = await api.gql<{ branches: Branch[] }>(SIGN_IN_QUERY);
      if (remember) saveToken(token);
      setSession({ api, branches: data.branches });
    } catch (error) {
      clearToken();
      const { code, message } = describeError(error);
      const text =
        code === 'POS_SYNC_UNAUTHORIZED'
          ? t('signIn.notAdmin')
          : code === 'POS_FORBIDDEN'
            ? t('signIn.terminalToken')
            : message;
      setRefusal(t('signIn.refused', { code, message: text }));
    } finally {
      setChecking(false);
    }
  }, []);

  useEffect(() => {
    const saved = readToken();
    if (saved) void signIn(saved, false);
  }, [signIn]);

  const signOut = useCallback(() => {
    session?.api.close();
    clearToken();
    setSession(null);
  }, [session]);

  return (
    <Announcer>
      {session ? (
        <Shell api={session.api} branches={session.branches} onSignOut={signOut} />
      ) : (
        <SignIn checking={checking} refusal={refusal} onSubmit={(token) => signIn(token, true)} />
      )}
    </Announcer>
  );
}

function SignIn(props: {
  checking: boolean;
  refusal: string | null;
  onSubmit: (token: string) => void;
}) {
  const [token, setToken] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (token.trim()) props.onSubmit(token.trim());
  };
  return (
    <main className="sign-in">
      <h1>{t('app.title')}</h1>
      <form onSubmit={submit} aria-labelledby="sign-in-title">
        <h2 id="sign-in-title">{t('signIn.title')}</h2>
        <p>{t('signIn.intro')}</p>
        <label htmlFor="token">{t('signIn.token')}</label>
        <input
          id="token"
          ref={input}
          type="password"
          autoComplete="off"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-invalid={props.refusal ? true : undefined}
          aria-describedby={props.refusal ? 'sign-in-error' : undefined}
        />
        <button type="submit" className="primary" disabled={props.checking || !token.trim()}>
          {props.checking ? t('signIn.busy') : t('signIn.submit')}
        </button>
        {props.refusal ? (
          <p id="sign-in-error" className="error-line" role="alert">
            {props.refusal}
          </p>
        ) : null}
      </form>
    </main>
  );
}

function Shell(props: { api: ConsoleApi; branches: Branch[]; onSignOut: () => void }) {
  const [screen, setScreen] = useState<Screen>(screenOfHash);
  const [newRefusals, setNewRefusals] = useState(0);
  const listeners = useRef(new Set<(sale: RefusedSale) => void>());
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    const onHash = () => setScreen(screenOfHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    heading.current?.focus();
    if (screen === 'refused') setNewRefusals(0);
  }, [screen]);

  // One live feed for the whole console: the refused-sales screen inserts the rows, the nav counts.
  useEffect(
    () =>
      props.api.subscribe<{ rejectedEventAdded: RefusedSale }>(
        `subscription { rejectedEventAdded { ${REFUSED_FIELDS} } }`,
        {},
        (data) => {
          setNewRefusals((n) => (screenOfHash() === 'refused' ? 0 : n + 1));
          for (const listener of listeners.current) listener(data.rejectedEventAdded);
        },
        () => {},
      ),
    [props.api],
  );

  const context = useMemo<ConsoleContextValue>(
    () => ({
      api: props.api,
      branches: props.branches,
      onRefused: (listener) => {
        listeners.current.add(listener);
        return () => listeners.current.delete(listener);
      },
    }),
    [props.api, props.branches],
  );
  const labels: Record<Screen, string> = {
    terminals: t('nav.terminals'),
    refused: newRefusals > 0 ? t('nav.refusedNew', { count: newRefusals }) : t('nav.refused'),
    sales: t('nav.sales'),
    audit: t('nav.audit'),
    catalog: t('nav.catalog'),
  };
  return (
    <ConsoleContext.Provider value={context}>
      <a className="skip" href="#content">
        {t('app.skip')}
      </a>
      <header className="top">
        <span className="brand">{t('app.title')}</span>
        <nav aria-label={t('nav.label')}>
          <ul>
            {SCREENS.map((name) => (
              <li key={name}>
                <a
                  href={`#${name}`}
                  aria-current={screen === name ? 'page' : undefined}
                  data-screen={name}
                >
                  {labels[name]}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" className="sign-out" onClick={props.onSignOut}>
          {t('nav.signOut')}
        </button>
      </header>
      <main id="content" className="content">
        <h1 ref={heading} tabIndex={-1} className="screen-title">
          {labels[screen].replace(/ \(.*\)$/, '')}
        </h1>
        {screen === 'terminals' ? <TerminalsScreen /> : null}
        {screen === 'refused' ? <RefusedScreen /> : null}
        {screen === 'sales' ? <SalesScreen /> : null}
        {screen === 'audit' ? <AuditScreen /> : null}
        {screen === 'catalog' ? <CatalogScreen /> : null}
      </main>
    </ConsoleContext.Provider>
  );
}
