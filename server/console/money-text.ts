/**
 * Digits of a currency's minor unit as `Intl` knows them (EUR 2, JPY 0, KWD 3), asked of one fixed
 * locale so the amount a minor unit stands for never depends on a page's language.
 */
export function currencyDigits(currency: string): number {
  let digits = DIGITS.get(currency);
  if (digits === undefined) {
    // Building an Intl formatter costs far more than a lookup: once per currency, not per row.
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits as number;
    DIGITS.set(currency, digits);
  }
  return digits;
}

const DIGITS = new Map<string, number>();

/** Exact decimal text of minor units: 1299 with 2 digits → "12.99". */
export function minorToDecimal(minor: number, digits: number): string {
  const sign = minor < 0 ? '-' : '';
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  if (digits === 0) return sign + text;
  return `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/**
 * A non-negative decimal ("12.5", "12.50", "0.99", "7") in exact minor units, without floating point:
 * at most `digits` fraction digits, a `.` as separator, no sign, no grouping, no exponent. Null when
 * the text is not such a number or the amount is not a safe integer.
 */
export function decimalToMinor(text: string, digits: number): number | null {
  const match = /^(\d{1,15})(?:\.(\d+))?$/.exec(text.trim());
  if (!match) return null;
  const whole = match[1]!;
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return null;
  const minor = BigInt(whole) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, '0') || '0');
  return minor <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(minor) : null;
}
