/**
 * Money in ISO 4217 currencies, exact: amounts are kept as integers in the currency's minor unit (cents for
 * EUR, yen for JPY, fils for KWD), so sums never drift. The minor-unit exponent comes from the runtime's
 * ICU data (Intl), which follows ISO 4217.
 */

const CURRENCY = /^[A-Z]{3}$/;
let known: ReadonlySet<string> | undefined;

export const isCurrency = (code: string): boolean => {
  known ??= new Set(Intl.supportedValuesOf('currency'));
  return CURRENCY.test(code) && known.has(code);
};

const exponents = new Map<string, number>();

/** Digits after the decimal point in the currency's minor unit (2 for EUR, 0 for JPY, 3 for KWD). */
export const minorDigits = (currency: string): number => {
  let digits = exponents.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits as number;
    exponents.set(currency, digits);
  }
  return digits;
};

/** Largest amount accepted, in major units: far above any sale, and exact in minor units as a double. */
export const MAX_AMOUNT = 1_000_000_000;

/**
 * "49.90" or 49.9 in `currency` as an integer number of minor units, or a reason it is not an amount:
 * negative, more decimals than the currency has, or over MAX_AMOUNT.
 */
export const toMinorUnits = (
  amount: string | number,
  currency: string,
): { minor: number } | { problem: string } => {
  const text = typeof amount === 'number' ? numberText(amount) : amount.trim();
  const m = /^(\d{1,10})(?:\.(\d+))?$/.exec(text);
  if (!m) return { problem: 'must be a non-negative decimal amount such as "49.90"' };
  const digits = minorDigits(currency);
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (fraction.length > digits)
    return { problem: `has more than ${digits} decimal places, the minor unit of ${currency}` };
  const whole = Number(m[1]);
  if (whole > MAX_AMOUNT) return { problem: `must not exceed ${MAX_AMOUNT}` };
  return { minor: whole * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0') };
};

const numberText = (n: number): string =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 }) : 'NaN';

/** Minor units back to a decimal number of major units (exact for every amount toMinorUnits accepts). */
export const fromMinorUnits = (minor: number, currency: string): number => {
  const digits = minorDigits(currency);
  return Number((minor / 10 ** digits).toFixed(digits));
};
