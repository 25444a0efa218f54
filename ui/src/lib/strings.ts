// The translation tables of the six UN official languages, and their names in their own script.
import { en, type Key, type Plural, type Table } from "./strings/en";
import { ar } from "./strings/ar";
import { es } from "./strings/es";
import { fr } from "./strings/fr";
import { ru } from "./strings/ru";
import { zh } from "./strings/zh";

export type { Key, Plural, Table };
export const LANGS = ["ar", "en", "es", "fr", "ru", "zh"] as const;
export type Lang = (typeof LANGS)[number];
export const tables: Record<Lang, Table> = { ar, en, es, fr, ru, zh };
export const NATIVE_NAMES: Record<Lang, string> = {
  ar: "العربية", en: "English", es: "Español", fr: "Français", ru: "Русский", zh: "中文",
};
