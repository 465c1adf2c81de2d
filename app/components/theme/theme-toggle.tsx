"use client";
/** The header's light/dark switch; the choice is remembered (see theme.ts). */
import { applyTheme, THEME_KEY, useColorMode } from "./theme";

export function ThemeToggle() {
  const theme = useColorMode();
  const next = theme === "dark" ? "light" : "dark";
  return (
    <button
      type="button"
      data-testid="theme-toggle"
      aria-label={theme === "dark" ? "Switch to light mode" : "Switch to dark mode"}
      aria-pressed={theme === "dark"}
      title={theme === "dark" ? "Dark mode (click for light)" : "Light mode (click for dark)"}
      onClick={() => {
        applyTheme(next);
        try {
          localStorage.setItem(THEME_KEY, next);
        } catch {
          // storage disabled: the choice lasts until the page is left
        }
      }}
      className="rounded px-1.5 py-0.5 text-base leading-none text-slate-300 hover:bg-slate-700 hover:text-white"
    >
      {theme === "dark" ? "☾" : "☀"}
    </button>
  );
}
