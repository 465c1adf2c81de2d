/**
 * Keyboard shortcuts of the canvas.
 *
 * Contract:
 * - Delete/Backspace deletes the selection; Ctrl/Cmd+Z undoes; Ctrl/Cmd+Shift+Z and Ctrl/Cmd+Y
 *   redo; Ctrl/Cmd+C copies; Ctrl/Cmd+V pastes; Ctrl/Cmd+A selects everything on the level;
 *   `?` shows the keyboard help. SHORTCUTS lists them for that help, in this order.
 * - Keys typed into a text field, a select or editable content are the field's, never a
 *   shortcut; while a dialog is open (`paused`) no shortcut fires.
 * - Every shortcut except copy suppresses the browser's own action (back, select page text).
 */
import { useEffect } from "react";

/** What a shortcut does. */
export type ShortcutAction = "delete" | "undo" | "redo" | "copy" | "paste" | "selectAll" | "help";

/** Every shortcut as the keyboard help shows it: keys (Ctrl stands for Cmd on a Mac too) and what they do. */
export const SHORTCUTS: ReadonlyArray<{ keys: string; does: string }> = [
  { keys: "Delete / Backspace", does: "Delete the selection" },
  { keys: "Ctrl+Z", does: "Undo" },
  { keys: "Ctrl+Shift+Z / Ctrl+Y", does: "Redo" },
  { keys: "Ctrl+C", does: "Copy the selected processors and groups" },
  { keys: "Ctrl+V", does: "Paste" },
  { keys: "Ctrl+A", does: "Select everything on this level" },
  { keys: "?", does: "Show this help" },
  { keys: "Shift+drag", does: "Select with a rectangle" },
  { keys: "Ctrl/Shift+click", does: "Add to the selection" },
  { keys: "Right-click", does: "Commands for a processor, connection, group or the canvas" },
  { keys: "Double-click", does: "Configure a processor or connection, enter a group" },
  { keys: "Escape", does: "Close a menu or dialog" },
];

/** The parts of a key event a shortcut depends on. */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
}

/** The shortcut a key press means, or null. */
export function shortcutOf(e: KeyPress): ShortcutAction | null {
  const mod = e.ctrlKey || e.metaKey;
  const k = e.key.toLowerCase();
  if ((e.key === "Delete" || e.key === "Backspace") && !mod) return "delete";
  if (mod && k === "z" && !e.shiftKey) return "undo";
  if (mod && ((k === "z" && e.shiftKey) || k === "y")) return "redo";
  if (mod && k === "c") return "copy";
  if (mod && k === "v") return "paste";
  if (mod && k === "a") return "selectAll";
  if (e.key === "?" && !mod) return "help";
  return null;
}

/** True when keys typed at `target` belong to it (inputs, text areas, selects, editable content). */
export function isEditable(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  const tag = el.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
}

/** Runs `actions` on their shortcuts (window keydown) while mounted and not `paused`. */
export function useShortcuts(actions: Record<ShortcutAction, () => void>, paused: boolean): void {
  const { delete: del, undo, redo, copy, paste, selectAll, help } = actions;
  useEffect(() => {
    if (paused) return;
    const run: Record<ShortcutAction, () => void> = { delete: del, undo, redo, copy, paste, selectAll, help };
    const onKey = (e: KeyboardEvent) => {
      if (isEditable(e.target)) return;
      const action = shortcutOf(e);
      if (!action) return;
      if (action !== "copy") e.preventDefault();
      run[action]();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [del, undo, redo, copy, paste, selectAll, help, paused]);
}
