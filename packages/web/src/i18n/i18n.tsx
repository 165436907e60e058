import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';

export const LOCALES = ['en', 'ru'] as const;
export type Locale = (typeof LOCALES)[number];

/**
 * A page's strings in every language. The Russian table must have exactly the English table's
 * keys and types (the compiler checks it); a string that depends on a number is a function, so
 * each language can choose its plural form.
 */
export interface Messages<T> {
  readonly en: T;
  readonly ru: NoInfer<T>;
}

export const defineMessages = <T,>(messages: Messages<T>): Messages<T> => messages;

const STORAGE_KEY = 'cvm.locale';

const initialLocale = (): Locale => {
  const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (stored === 'en' || stored === 'ru') return stored;
  return globalThis.navigator?.language?.toLowerCase().startsWith('ru') ? 'ru' : 'en';
};

interface LocaleState {
  readonly locale: Locale;
  readonly setLocale: (locale: Locale) => void;
}

const LocaleContext = createContext<LocaleState | null>(null);

export const LocaleProvider = ({ children }: { readonly children: ReactNode }) => {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const setLocale = useCallback((next: Locale) => {
    setLocaleState(next);
    globalThis.localStorage?.setItem(STORAGE_KEY, next);
    document.documentElement.lang = next;
  }, []);
  const value = useMemo(() => ({ locale, setLocale }), [locale, setLocale]);
  return <LocaleContext.Provider value={value}>{children}</LocaleContext.Provider>;
};

export const useLocale = (): LocaleState => {
  const state = useContext(LocaleContext);
  if (state === null) throw new Error('useLocale outside LocaleProvider');
  return state;
};

/** The strings of `messages` in the current language. */
export const useMessages = <T,>(messages: Messages<T>): T => messages[useLocale().locale];

const isDecimal = (text: string): text is `${number}` => /^-?\d+(\.\d+)?$/.test(text);

const INTL_LOCALE: Readonly<Record<Locale, string>> = { en: 'en-GB', ru: 'ru-RU' };

/** Numbers, money, percentages and dates as the current language writes them. */
export const useFormat = () => {
  const { locale } = useLocale();
  return useMemo(() => formatFor(locale), [locale]);
};

export type Format = ReturnType<typeof formatFor>;

/** What useFormat gives, for one language (tests and code outside components use it directly). */
export const formatFor = (locale: Locale) => {
  const tag = INTL_LOCALE[locale];
  const integer = new Intl.NumberFormat(tag, { maximumFractionDigits: 0 });
  const decimal = new Intl.NumberFormat(tag, { maximumFractionDigits: 2 });
  const percent = new Intl.NumberFormat(tag, { style: 'percent', maximumFractionDigits: 2 });
  const date = new Intl.DateTimeFormat(tag, { dateStyle: 'medium' });
  const dateTime = new Intl.DateTimeFormat(tag, { dateStyle: 'medium', timeStyle: 'short' });
  const money = new Map<string, Intl.NumberFormat>();
  return {
    integer: (value: number) => integer.format(value),
    decimal: (value: number | string) => decimal.format(Number(value)),
    /** A share given as a fraction (0.123 → 12.3 %). */
    percent: (fraction: number) => percent.format(fraction),
    /** An exact decimal amount as text ("1234.50") in `currency`. */
    money: (amount: string | number, currency: string) => {
      let format = money.get(currency);
      if (format === undefined) {
        format = new Intl.NumberFormat(tag, { style: 'currency', currency, maximumFractionDigits: 2 });
        money.set(currency, format);
      }
      // Intl takes decimal strings exactly, without a detour through binary floating point.
      return format.format(typeof amount === 'string' && isDecimal(amount) ? amount : Number(amount));
    },
    date: (value: string | Date) => date.format(new Date(value)),
    dateTime: (value: string | Date) => dateTime.format(new Date(value)),
  };
};
