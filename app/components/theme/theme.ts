"use client";
/**
 * Light and dark mode. The choice is the `dark` class on <html> (Tailwind's `dark:` variant
 * and the dark palette in app/globals.css key on it). Without a stored choice it follows the
 * system's prefers-color-scheme, live; a choice made with the toggle is remembered in
 * localStorage under THEME_KEY and wins from then on.
 *
 * THEME_SCRIPT runs in <head> before the first paint (app/layout.tsx), so a dark page never
 * flashes light on load.
 */
import { useEffect, useState } from "react";

/** localStorage key of the user's choice: "dark" or "light"; absent = follow the system. */
export const THEME_KEY = "sluice.theme";

export type Theme = "light" | "dark";

/** Inline script for <head>: sets the class from the stored choice or the system's. */
export const THEME_SCRIPT = `(function(){try{var t=localStorage.getItem(${JSON.stringify(THEME_KEY)});var d=t?t==="dark":window.matchMedia("(prefers-color-scheme: dark)").matches;var e=document.documentElement;e.classList.toggle("dark",d);e.style.colorScheme=d?"dark":"light"}catch(_){}})()`;

/** Puts `theme` on <html>. */
export function applyTheme(theme: Theme): void {
  const el = document.documentElement;
  el.classList.toggle("dark", theme === "dark");
  el.style.colorScheme = theme;
}

/** The stored choice, or null when the user made none. */
export function storedTheme(): Theme | null {
  try {
    const t = localStorage.getItem(THEME_KEY);
    return t === "dark" || t === "light" ? t : null;
  } catch {
    return null;
  }
}

/** The theme now shown, kept current while the class changes (toggle, or the system's setting). */
export function useColorMode(): Theme {
  const [theme, setTheme] = useState<Theme>("light");
  useEffect(() => {
    const el = document.documentElement;
    const read = () => setTheme(el.classList.contains("dark") ? "dark" : "light");
    read();
    const observer = new MutationObserver(read);
    observer.observe(el, { attributes: true, attributeFilter: ["class"] });
    // With no stored choice, follow the system's setting when it changes.
    const media = window.matchMedia("(prefers-color-scheme: dark)");
    const onSystem = () => {
      if (storedTheme() === null) applyTheme(media.matches ? "dark" : "light");
    };
    media.addEventListener("change", onSystem);
    return () => {
      observer.disconnect();
      media.removeEventListener("change", onSystem);
    };
  }, []);
  return theme;
}
