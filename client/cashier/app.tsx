import { useEffect, useMemo, useState } from 'react';
import { RxDatabaseProvider } from 'rxdb/plugins/react';
import type { BrowserTerminalStatus } from '../browser/index.ts';
import { Announcer } from './announcer.tsx';
import { createI18n } from './i18n.ts';
import { I18nContext, useI18n } from './i18n-context.tsx';
import { InventoryScreen } from './inventory-screen.tsx';
import type { LocaleTag } from './messages.ts';
import { LOCALES } from './messages.ts';
import { SalesScreen } from './sales-screen.tsx';
import { SellScreen } from './sell-screen.tsx';
import { SyncScreen } from './sync-screen.tsx';
import { TerminalContext, useObservable } from './terminal-context.tsx';
import type { CashierTerminal } from './terminal-port.ts';

/** The page's screens, in the order of the navigation (Alt+1 … Alt+4). */
export const SCREENS = ['sell', 'sales', 'inventory', 'sync'] as const;

/** One of the page's screens. */
export type Screen = (typeof SCREENS)[number];

/**
 * The cashier page: navigation, the sync state always in view, and the four screens over the
 * terminal's database (RxDB's provider) and commands. The sell screen stays mounted while another
 * screen is shown, so a half-rung sale survives a look at the stock.
 */
export function App({
  terminal,
  initialLocale,
  onLocaleChange,
}: {
  terminal: CashierTerminal;
  initialLocale: LocaleTag;
  onLocaleChange?: (locale: LocaleTag) => void;
}) {
  const [locale, setLocale] = useState<LocaleTag>(initialLocale);
  const i18n = useMemo(() => createI18n(locale), [locale]);
  const [screen, setScreen] = useState<Screen>('sell');
  const status = useObservable(terminal.status$);
  // The daemon's database is reopened after a reconnect; the hooks follow the provider's database.
  const database = useObservable(terminal.db$).value ?? terminal.db;

  useEffect(() => {
    document.documentElement.lang = locale;
    document.documentElement.dir = i18n.dir;
    document.title = i18n.t('app.title');
  }, [locale, i18n]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      const index = Number(event.key) - 1;
      const target = SCREENS[index];
      if (target) {
        event.preventDefault();
        setScreen(target);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const changeLocale = (next: LocaleTag) => {
    setLocale(next);
    onLocaleChange?.(next);
  };

  const catalogSize = status.value?.catalog.products ?? null;
  const branchCurrency =
    (status.value as (BrowserTerminalStatus & { currency?: string | null }) | undefined)
      ?.currency ?? null;

  return (
    <I18nContext.Provider value={i18n}>
      <TerminalContext.Provider value={terminal}>
        <RxDatabaseProvider database={database}>
          <Announcer>
            <div className="app" dir={i18n.dir} lang={locale}>
              <TopBar
                screen={screen}
                onScreen={setScreen}
                status={status.value}
                locale={locale}
                onLocale={changeLocale}
              />
              <Banner
                status={status.value}
                lost={status.failed || status.value?.daemonConnected === false}
              />
              <main className="main">
                <div hidden={screen !== 'sell'} className="screen-frame">
                  <SellScreen
                    branchCurrency={branchCurrency}
                    catalogSize={catalogSize}
                    active={screen === 'sell'}
                  />
                </div>
                {screen === 'sales' ? <SalesScreen /> : null}
                {screen === 'inventory' ? <InventoryScreen catalogSize={catalogSize} /> : null}
                {screen === 'sync' ? <SyncScreen status={status.value} /> : null}
              </main>
            </div>
          </Announcer>
        </RxDatabaseProvider>
      </TerminalContext.Provider>
    </I18nContext.Provider>
  );
}

function TopBar({
  screen,
  onScreen,
  status,
  locale,
  onLocale,
}: {
  screen: Screen;
  onScreen: (screen: Screen) => void;
  status: BrowserTerminalStatus | undefined;
  locale: LocaleTag;
  onLocale: (locale: LocaleTag) => void;
}) {
  const { t, formatNumber } = useI18n();
  return (
    <header className="topbar">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" />
        <span className="brand-name">{t('app.title')}</span>
        {status ? (
          <span className="brand-branch">{t('status.branch', { branch: status.branchId })}</span>
        ) : null}
      </div>
      <nav className="tabs" aria-label={t('nav.label')}>
        {SCREENS.map((name, index) => (
          <button
            key={name}
            type="button"
            className="tab"
            data-testid={`nav-${name}`}
            aria-current={screen === name ? 'page' : undefined}
            aria-keyshortcuts={`Alt+${index + 1}`}
            onClick={() => onScreen(name)}
          >
            {t(`nav.${name}` as const)}
            {name === 'sales' && status && status.needsAttention > 0 ? (
              <span
                className="tab-count"
                aria-label={t('status.attention', { count: status.needsAttention })}
              >
                {formatNumber(status.needsAttention)}
              </span>
            ) : null}
          </button>
        ))}
      </nav>
      <div className="status-chips" data-testid="status-chips">
        {status ? (
          <>
            <span
              className={status.online ? 'chip-status online' : 'chip-status offline'}
              data-testid="connection"
            >
              <span className={status.online ? 'dot online' : 'dot offline'} aria-hidden="true" />
              {status.online ? t('status.online') : t('status.offline')}
            </span>
            <span className="chip-status" data-testid="queued" data-count={status.queued}>
              {t('status.queued', { count: status.queued })}
            </span>
          </>
        ) : null}
        <label className="visually-hidden" htmlFor="locale">
          {t('nav.language')}
        </label>
        <select
          id="locale"
          className="locale-select"
          data-testid="locale"
          value={locale}
          onChange={(event) => onLocale(event.target.value as LocaleTag)}
        >
          {Object.entries(LOCALES).map(([tag, { name }]) => (
            <option key={tag} value={tag} lang={tag}>
              {name}
            </option>
          ))}
        </select>
      </div>
    </header>
  );
}

function Banner({ status, lost }: { status: BrowserTerminalStatus | undefined; lost: boolean }) {
  const { t } = useI18n();
  let text: string | null = null;
  let tone = 'warning';
  if (lost) {
    text = t('banner.daemonLost');
    tone = 'danger';
  } else if (status?.halted) {
    text = t('banner.halted', { reason: status.halted });
    tone = 'danger';
  } else if (status && !status.online) {
    text = t('banner.offline');
  }
  return (
    <div className="banner-slot" role="alert">
      {text ? (
        <p className={`banner banner-${tone}`} data-testid="banner">
          {text}
        </p>
      ) : null}
    </div>
  );
}
