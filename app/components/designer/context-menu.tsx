"use client";
/**
 * The canvas's right-click menu: a list of commands at the pointer, for a processor, a
 * connection, a process group or the empty canvas (which commands is decided by the designer,
 * see menu-items.ts).
 *
 * Contract:
 * - Shown at `x`, `y` (viewport pixels), moved inside the window when it would overflow it.
 * - Escape, a click or right-click outside it, scrolling, resizing or choosing an item close it;
 *   choosing an enabled item runs it after closing. A disabled item says why in its title.
 * - Keyboard: it takes focus on open; Arrow keys move between enabled items, Enter runs one.
 */
import { useEffect, useLayoutEffect, useRef, useState } from "react";

/** One command of the menu; `separator` draws a line above it. */
export interface MenuItem {
  label: string;
  run: () => void;
  disabled?: boolean;
  /** Why it is disabled, or what it does. */
  title?: string;
  danger?: boolean;
  separator?: boolean;
  /** Shortcut shown on the right, e.g. "Del". */
  hint?: string;
}

/** Props: where, what it is about (its accessible name), the items, and how to close it. */
export interface ContextMenuProps {
  x: number;
  y: number;
  label: string;
  items: MenuItem[];
  onClose: () => void;
}

export function ContextMenu({ x, y, label, items, onClose }: ContextMenuProps) {
  const ref = useRef<HTMLDivElement>(null);
  const [pos, setPos] = useState({ x, y });

  // Keep the whole menu on screen: flip left/up when it would run past the window's edge.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const { width, height } = el.getBoundingClientRect();
    setPos({ x: x + width > window.innerWidth ? Math.max(0, x - width) : x, y: y + height > window.innerHeight ? Math.max(0, window.innerHeight - height - 4) : y });
    el.querySelector<HTMLButtonElement>("button:not(:disabled)")?.focus();
  }, [x, y]);

  useEffect(() => {
    const outside = (e: Event) => {
      if (!ref.current?.contains(e.target as Node)) onClose();
    };
    const key = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.stopPropagation();
        onClose();
      }
    };
    document.addEventListener("mousedown", outside, true);
    document.addEventListener("contextmenu", outside, true);
    document.addEventListener("keydown", key, true);
    window.addEventListener("resize", onClose);
    document.addEventListener("wheel", onClose, { passive: true });
    return () => {
      document.removeEventListener("mousedown", outside, true);
      document.removeEventListener("contextmenu", outside, true);
      document.removeEventListener("keydown", key, true);
      window.removeEventListener("resize", onClose);
      document.removeEventListener("wheel", onClose);
    };
  }, [onClose]);

  const move = (e: React.KeyboardEvent, step: number) => {
    const buttons = [...(ref.current?.querySelectorAll<HTMLButtonElement>("button:not(:disabled)") ?? [])];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    buttons[(i + step + buttons.length) % buttons.length]?.focus();
    e.preventDefault();
  };

  return (
    <div
      ref={ref}
      role="menu"
      aria-label={label}
      data-testid="context-menu"
      className="fixed z-50 min-w-52 rounded-md border border-slate-300 bg-white py-1 text-sm text-slate-800 shadow-lg"
      style={{ left: pos.x, top: pos.y }}
      onContextMenu={(e) => e.preventDefault()}
      onKeyDown={(e) => {
        if (e.key === "ArrowDown") move(e, 1);
        if (e.key === "ArrowUp") move(e, -1);
      }}
    >
      <div className="truncate px-3 pt-0.5 pb-1 text-[11px] font-semibold tracking-wide text-slate-500 uppercase">{label}</div>
      {items.map((item) => (
        <div key={item.label}>
          {item.separator ? <div role="separator" className="my-1 border-t border-slate-200" /> : null}
          <button
            type="button"
            role="menuitem"
            disabled={item.disabled}
            title={item.title}
            onClick={() => {
              onClose();
              item.run();
            }}
            className={`flex w-full items-center gap-4 px-3 py-1 text-left hover:bg-sky-50 focus:bg-sky-50 focus:outline-none disabled:cursor-not-allowed disabled:opacity-40 ${item.danger ? "text-red-700" : ""}`}
          >
            <span className="flex-1">{item.label}</span>
            {item.hint ? <span className="text-xs text-slate-400">{item.hint}</span> : null}
          </button>
        </div>
      ))}
    </div>
  );
}
