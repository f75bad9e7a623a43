import { describe, expect, test } from 'vitest';
import { INVENTORY_REASONS } from '../../schema/constants.ts';
import {
  createI18n,
  minorToDecimal,
  parseIntegerText,
  parseMoneyText,
  toAsciiDigits,
} from './i18n.ts';
import { LOCALES, en, fa } from './messages.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('message catalogue', () => {
  test('every locale has every key, with the same placeholders as English', () => {
    for (const [tag, { catalogue }] of Object.entries(LOCALES)) {
      expect(Object.keys(catalogue).sort(), tag).toEqual(Object.keys(en).sort());
      for (const [key, text] of Object.entries(catalogue)) {
        expect(placeholders(text), `${tag} ${key}`).toEqual(
          placeholders(en[key as keyof typeof en]),
        );
        expect(text.trim(), `${tag} ${key}`).not.toBe('');
      }
    }
  });

  test('the Persian catalogue has no Latin-digit numbers of its own', () => {
    for (const [key, text] of Object.entries(fa)) expect(text, key).not.toMatch(/[0-9]/);
  });

  test('every documented inventory reason has a label in both catalogues', () => {
    for (const reason of INVENTORY_REASONS) {
      const key = `inventory.reason.${reason}`;
      expect(Object.hasOwn(en, key), key).toBe(true);
      expect(Object.hasOwn(fa, key), key).toBe(true);
    }
  });
});

describe('formatting', () => {
  test('English: money in the branch currency, exact to the minor unit', () => {
    const i18n = createI18n('en');
    expect(i18n.formatMoney(1299, 'EUR')).toBe('€12.99');
    expect(i18n.formatMoney(5, 'EUR')).toBe('€0.05');
    expect(i18n.formatMoney(9_007_199_254_740_991, 'EUR')).toBe('€90,071,992,547,409.91');
    expect(i18n.formatMoney(1500, 'JPY')).toBe('¥1,500');
    expect(i18n.formatMoneyInput(1390, 'EUR')).toBe('13.90');
    expect(i18n.t('status.queued', { count: 2 })).toBe('Queued 2');
    expect(i18n.dir).toBe('ltr');
  });

  test('Persian: right to left, Persian digits in numbers, money and placeholders', () => {
    const i18n = createI18n('fa-IR');
    expect(i18n.dir).toBe('rtl');
    expect(i18n.formatNumber(1234)).toBe('۱٬۲۳۴');
    expect(i18n.formatOrdinal(1234)).toBe('۱۲۳۴');
    expect(i18n.formatMoney(1299, 'EUR')).toMatch(/۱۲٫۹۹/);
    expect(i18n.formatMoneyInput(1390, 'EUR')).toBe('۱۳٫۹۰');
    expect(i18n.t('status.queued', { count: 2 })).toBe('در صف ۲');
    expect(i18n.formatDateTime('2026-03-20T12:00:00.000Z')).toMatch(/[۰-۹]/);
    expect(i18n.formatDateTime('2026-03-20T12:00:00.000Z')).not.toMatch(/[0-9]/);
  });
});

describe('parsing what the cashier types', () => {
  test.each([
    ['20', 2000],
    ['20.5', 2050],
    ['20.05', 2005],
    ['.5', 50],
    ['1,250.00', 125000],
    ['12,50', 1250],
    ['۲۰٫۵۰', 2050],
    ['٢٠', 2000],
    [' 7 ', 700],
  ])('%s is %i minor units of EUR', (text, minor) => {
    expect(parseMoneyText(text, 2)).toBe(minor);
  });

  test.each(['', '.', 'abc', '1.234', '-5', '1e3', '12.3.4'])('%s is not an amount', (text) => {
    expect(parseMoneyText(text, 2)).toBeNull();
  });

  test('currencies without minor units take whole amounts only', () => {
    expect(parseMoneyText('1500', 0)).toBe(1500);
    expect(parseMoneyText('15.5', 0)).toBeNull();
  });

  test('whole numbers with a sign, in any script', () => {
    expect(parseIntegerText('+5')).toBe(5);
    expect(parseIntegerText('−۳')).toBe(-3);
    expect(parseIntegerText('12')).toBe(12);
    expect(parseIntegerText('1.5')).toBeNull();
    expect(parseIntegerText('')).toBeNull();
  });

  test('digits of every script become ASCII; minor units become an exact decimal', () => {
    expect(toAsciiDigits('۰۱۲۳۴۵۶۷۸۹ ٠١٢ ０９')).toBe('0123456789 012 09');
    expect(minorToDecimal(5, 2)).toBe('0.05');
    expect(minorToDecimal(-1299, 2)).toBe('-12.99');
    expect(minorToDecimal(1500, 0)).toBe('1500');
  });
});
