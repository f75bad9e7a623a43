import { createRoot } from 'react-dom/client';
import { connectTerminal } from '../browser/index.ts';
import { App } from './app.tsx';
import type { LocaleTag } from './messages.ts';
import { isLocaleTag } from './messages.ts';
import { createI18n } from './i18n.ts';
import './styles.css';

const LOCALE_KEY = 'pos.cashier.locale';

/** `?lang=` first (a link can choose), then the cashier's last choice, then the browser's language. */
function pickLocale(params: URLSearchParams): LocaleTag {
  const asked = params.get('lang');
  if (isLocaleTag(asked)) return asked;
  const saved = localStorage.getItem(LOCALE_KEY);
  if (isLocaleTag(saved)) return saved;
  return navigator.language.startsWith('fa') ? 'fa-IR' : 'en';
}

function showMessage(root: HTMLElement, locale: LocaleTag, text: string, busy: boolean): void {
  const { dir } = createI18n(locale);
  document.documentElement.dir = dir;
  document.documentElement.lang = locale;
  root.innerHTML = '';
  const box = document.createElement('p');
  box.className = busy ? 'boot boot-busy' : 'boot boot-error';
  box.setAttribute('role', busy ? 'status' : 'alert');
  box.textContent = text;
  root.append(box);
}

async function boot(): Promise<void> {
  const root =
    document.getElementById('root') ?? document.body.appendChild(document.createElement('div'));
  const params = new URLSearchParams(location.search);
  const locale = pickLocale(params);
  const i18n = createI18n(locale);
  const token = params.get('token');
  if (!token) return showMessage(root, locale, i18n.t('app.noToken'), false);
  showMessage(root, locale, i18n.t('app.loading'), true);
  try {
    const terminal = await connectTerminal({ url: location.origin, token });
    root.innerHTML = '';
    createRoot(root).render(
      <App
        terminal={terminal}
        initialLocale={locale}
        onLocaleChange={(next) => localStorage.setItem(LOCALE_KEY, next)}
      />,
    );
  } catch (error) {
    showMessage(
      root,
      locale,
      i18n.t('app.connectFailed', { message: (error as Error).message }),
      false,
    );
  }
}

void boot();
