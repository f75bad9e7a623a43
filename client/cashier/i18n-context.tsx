import { createContext, useContext } from 'react';
import type { I18n } from './i18n.ts';
import { createI18n } from './i18n.ts';

/** The locale the page speaks; `App` provides it. */
export const I18nContext = createContext<I18n>(createI18n('en'));

/** The page's texts and formatters. */
export function useI18n(): I18n {
  return useContext(I18nContext);
}
