import type { Catalogue, LocaleTag, MessageKey } from './messages.ts';
import { LOCALES } from './messages.ts';

/** A value for a `{placeholder}`: numbers are formatted for the locale, strings shown as they are. */
export type MessageParams = Record<string, string | number>;

/** Everything the page needs to speak one locale: texts, numbers, money, dates and input parsing. */
export type I18n = {
  locale: LocaleTag;
  dir: 'ltr' | 'rtl';
  t(key: MessageKey, params?: MessageParams): string;
  /** A count or quantity, grouped. */
  formatNumber(value: number): string;
  /** An identifying number (local sale number, invoice): no grouping separators. */
  formatOrdinal(value: number): string;
  /** Integer minor units shown in the currency, e.g. 1299 EUR → "€12.99". */
  formatMoney(minor: number, currency: string): string;
  /** Minor units as a plain decimal for an input field's initial value ("12.99", "۱۲٫۹۹"). */
  formatMoneyInput(minor: number, currency: string): string;
  formatDateTime(iso: string): string;
  formatTime(iso: string): string;
  /** What the cashier typed, in minor units, or null when it is not an amount. */
  parseMoney(text: string, currency: string): number | null;
  /** A whole number typed by the cashier (a sign allowed), or null. */
  parseInteger(text: string): number | null;
};

/**
 * Digits of a currency's minor unit, as `Intl` knows them (EUR 2, JPY 0). Asked of one fixed locale so
 * the amount a minor unit stands for never depends on the page's language.
 */
export function currencyDigits(currency: string): number {
  let digits = CURRENCY_DIGITS.get(currency);
  if (digits === undefined) {
    // Making a NumberFormat costs far more than formatting with one: asked once per currency.
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits as number;
    CURRENCY_DIGITS.set(currency, digits);
  }
  return digits;
}

const CURRENCY_DIGITS = new Map<string, number>();

/** Exact decimal string of an amount in minor units: 1299 with 2 digits → "12.99". */
export function minorToDecimal(minor: number, digits: number): string {
  const sign = minor < 0 ? '-' : '';
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  if (digits === 0) return sign + text;
  return `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

const DIGIT_RANGES = [0x0660, 0x06f0, 0xff10]; // Arabic-Indic, Extended (Persian), full-width

/** Replaces Persian, Arabic-Indic and full-width digits with ASCII ones. */
export function toAsciiDigits(text: string): string {
  return text.replace(/[\u0660-\u0669\u06f0-\u06f9\uff10-\uff19]/g, (ch) => {
    const code = ch.charCodeAt(0);
    const base = DIGIT_RANGES.find((start) => code >= start && code < start + 10)!;
    return String(code - base);
  });
}

/**
 * Parses a typed amount into minor units without floating point: digits in any script, `.`, `,` or
 * the Arabic decimal separator `٫` before at most `digits` fraction digits, grouping separators ignored
 * (a `,` followed by exactly three digits is read as grouping).
 */
export function parseMoneyText(text: string, digits: number): number | null {
  let s = toAsciiDigits(text)
    .replace(/[\s\u066c\u2019'\u00a0\u202f]/g, '')
    .replace(/\u066b/g, '.');
  if (!s.includes('.') && /,\d{1,2}$/.test(s) && digits > 0) s = s.replace(/,(\d{1,2})$/, '.$1');
  s = s.replace(/,/g, '');
  const match = /^(\d*)(?:\.(\d*))?$/.exec(s);
  if (!match || (match[1] === '' && !match[2])) return null;
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return null;
  const minor = Number((match[1] || '0') + fraction.padEnd(digits, '0'));
  return Number.isSafeInteger(minor) ? minor : null;
}

/** Parses a typed whole number with an optional sign (`+`, `-` or `−`), in any script. */
export function parseIntegerText(text: string): number | null {
  const s = toAsciiDigits(text)
    .replace(/\s/g, '')
    .replace(/\u2212/g, '-');
  if (!/^[+-]?\d+$/.test(s)) return null;
  const value = Number(s);
  return Number.isSafeInteger(value) ? value : null;
}

/** Fills `{name}` placeholders; an unknown placeholder stays visible so a missing value shows. */
export function fillPlaceholders(
  template: string,
  params: MessageParams | undefined,
  formatNumber: (value: number) => string,
): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === 'number' ? formatNumber(value) : value;
  });
}

/** Builds the formatters of one locale; cheap enough to call when the cashier switches language. */
export function createI18n(locale: LocaleTag): I18n {
  const { catalogue, dir } = LOCALES[locale] as { catalogue: Catalogue; dir: 'ltr' | 'rtl' };
  const numberFormat = new Intl.NumberFormat(locale);
  const ordinalFormat = new Intl.NumberFormat(locale, { useGrouping: false });
  const moneyFormats = new Map<string, Intl.NumberFormat>();
  const inputFormats = new Map<string, Intl.NumberFormat>();
  const dateTimeFormat = new Intl.DateTimeFormat(locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
  });
  const timeFormat = new Intl.DateTimeFormat(locale, { timeStyle: 'medium' });
  const formatNumber = (value: number) => numberFormat.format(value);

  function cached(
    map: Map<string, Intl.NumberFormat>,
    currency: string,
    make: () => Intl.NumberFormat,
  ): Intl.NumberFormat {
    let format = map.get(currency);
    if (!format) map.set(currency, (format = make()));
    return format;
  }

  return {
    locale,
    dir,
    t: (key, params) => fillPlaceholders(catalogue[key], params, formatNumber),
    formatNumber,
    formatOrdinal: (value) => ordinalFormat.format(value),
    formatMoney(minor, currency) {
      const digits = currencyDigits(currency);
      const format = cached(
        moneyFormats,
        currency,
        () =>
          new Intl.NumberFormat(locale, {
            style: 'currency',
            currency,
            minimumFractionDigits: digits,
            maximumFractionDigits: digits,
          }),
      );
      // A decimal string keeps the amount exact (Intl reads it without going through a float).
      return format.format(minorToDecimal(minor, digits) as `${number}`);
    },
    formatMoneyInput(minor, currency) {
      const digits = currencyDigits(currency);
      const format = cached(
        inputFormats,
        currency,
        () =>
          new Intl.NumberFormat(locale, {
            useGrouping: false,
            minimumFractionDigits: digits,
            maximumFractionDigits: digits,
          }),
      );
      return format.format(minorToDecimal(minor, digits) as `${number}`);
    },
    formatDateTime: (iso) => dateTimeFormat.format(new Date(iso)),
    formatTime: (iso) => timeFormat.format(new Date(iso)),
    parseMoney: (text, currency) => parseMoneyText(text, currencyDigits(currency)),
    parseInteger: parseIntegerText,
  };
}
