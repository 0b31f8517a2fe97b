import { type ComponentChildren, createContext } from "preact";
import { useCallback, useContext, useEffect, useMemo, useState } from "preact/hooks";
import { en } from "./en.js";
import { provinceName } from "./provinces.js";
import { type MessageKey, zh } from "./zh.js";

export type Lang = "zh-CN" | "en";
export type Params = Readonly<Record<string, string | number>>;

/** localStorage holds the language and pinned public keys (components/key-pins.ts), nothing personal. */
const storageKey = "hutong.console.lang";

export interface I18n {
  readonly lang: Lang;
  setLang(lang: Lang): void;
  t(key: MessageKey, params?: Params): string;
  /** A key built from data ("purpose." + name): its text if the dictionary has it, else the value itself. */
  label(prefix: string, value: string): string;
  /** An ISO time as "YYYY-MM-DD HH:mm:ss" in the browser's time zone. */
  time(iso: string): string;
  number(n: number): string;
  /** A 0..1 rate as a percentage. */
  percent(rate: number, digits?: number): string;
  province(party: string): string;
}

function readLang(): Lang {
  try {
    return localStorage.getItem(storageKey) === "en" ? "en" : "zh-CN";
  } catch {
    return "zh-CN";
  }
}

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * An ISO time, or a decimal count since the epoch (FederationView.checkedAt is milliseconds; a
 * cosignature timestamp is whole seconds: below 10^11 is taken as seconds), as local time.
 */
export function formatLocalTime(iso: string): string {
  const digits = /^\d+$/.test(iso) ? Number(iso) : undefined;
  const ms = digits === undefined ? Date.parse(iso) : digits < 1e11 ? digits * 1000 : digits;
  if (Number.isNaN(ms)) return iso;
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function interpolate(text: string, params: Params | undefined): string {
  if (params === undefined) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name];
    return v === undefined ? whole : String(v);
  });
}

function makeI18n(lang: Lang, setLang: (lang: Lang) => void): I18n {
  const dict: Readonly<Record<string, string>> = lang === "en" ? en : zh;
  const numberFormat = new Intl.NumberFormat(lang);
  return {
    lang,
    setLang,
    t: (key, params) => interpolate(dict[key] ?? key, params),
    label: (prefix, value) => dict[`${prefix}.${value}`] ?? value,
    time: formatLocalTime,
    number: (n) => numberFormat.format(n),
    percent: (rate, digits = 1) => `${(rate * 100).toFixed(digits)}%`,
    province: (party) => provinceName(party, lang),
  };
}

const I18nContext = createContext<I18n>(makeI18n("zh-CN", () => undefined));

export function I18nProvider({ children }: { children: ComponentChildren }) {
  const [lang, setLangState] = useState<Lang>(readLang);
  const setLang = useCallback((next: Lang) => {
    setLangState(next);
    try {
      localStorage.setItem(storageKey, next);
    } catch {
      // Private mode: the switch still works for this page.
    }
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = lang === "en" ? "hutong console" : "互通 · 数据交换控制台";
  }, [lang]);
  const value = useMemo(() => makeI18n(lang, setLang), [lang, setLang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  return useContext(I18nContext);
}
