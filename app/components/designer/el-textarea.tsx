"use client";
/**
 * A textarea for a property that supports Expression Language, which completes function names:
 * after `:` inside an open `${…}` it offers the functions that take a subject, right after `${`
 * the ones that stand alone (`now()`, `UUID()`…), filtered by what is typed so far. Arrow keys
 * move through the list, Enter or Tab inserts (with `(` or `()`), Escape closes it, and a click
 * inserts too. The functions come from the same table the evaluator uses (the node's catalog).
 */
import { useRef, useState, type KeyboardEvent } from "react";
import type { ElFunctionInfo } from "../../lib/engine-client";

/** At most this many suggestions are shown. */
const SHOWN = 8;

interface Props {
  id: string;
  label: string;
  value: string;
  placeholder?: string;
  className: string;
  functions: readonly ElFunctionInfo[];
  onChange(value: string): void;
}

/** What the text before the caret asks for: a subject function after `:`, or a standalone one after `${`. */
export function completionContext(before: string): { kind: "subject" | "standalone"; prefix: string } | null {
  const open = before.lastIndexOf("${");
  if (open < 0 || before.lastIndexOf("}") > open) return null;
  const inside = before.slice(open);
  const subject = /:([A-Za-z0-9_]*)$/.exec(inside);
  if (subject) return { kind: "subject", prefix: subject[1] ?? "" };
  const standalone = /^\$\{([A-Za-z0-9_]*)$/.exec(inside);
  if (standalone) return { kind: "standalone", prefix: standalone[1] ?? "" };
  return null;
}

export function ElTextarea({ id, label, value, placeholder, className, functions, onChange }: Props) {
  const ref = useRef<HTMLTextAreaElement>(null);
  const [caret, setCaret] = useState<number | null>(null);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState(false);

  const context = caret === null || dismissed ? null : completionContext(value.slice(0, caret));
  // A few hundred names filtered per keystroke: cheap enough not to memoize.
  const suggestions = context
    ? functions
        .filter((f) => (context.kind === "subject" ? f.subject === "required" : f.subject === "none"))
        .filter((f) => f.name.toLowerCase().startsWith(context.prefix.toLowerCase()))
        .slice(0, SHOWN)
    : [];

  const insert = (f: ElFunctionInfo) => {
    if (!context || caret === null) return;
    const start = caret - context.prefix.length;
    const text = f.signature.endsWith("()") ? `${f.name}()` : `${f.name}(`;
    const next = value.slice(0, start) + text + value.slice(caret);
    onChange(next);
    const at = start + text.length;
    setCaret(at);
    setDismissed(true);
    requestAnimationFrame(() => {
      ref.current?.focus();
      ref.current?.setSelectionRange(at, at);
    });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (suggestions.length === 0) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      setActive((a) => (a + (e.key === "ArrowDown" ? 1 : suggestions.length - 1)) % suggestions.length);
    } else if (e.key === "Enter" || e.key === "Tab") {
      e.preventDefault();
      insert(suggestions[Math.min(active, suggestions.length - 1)]!);
    } else if (e.key === "Escape") {
      e.preventDefault();
      setDismissed(true);
    }
  };

  const track = () => {
    setCaret(ref.current?.selectionStart ?? null);
    setActive(0);
    setDismissed(false);
  };

  return (
    <div className="relative">
      <textarea
        ref={ref}
        id={id}
        aria-label={label}
        aria-autocomplete="list"
        rows={2}
        value={value}
        placeholder={placeholder}
        onChange={(e) => {
          onChange(e.target.value);
          setCaret(e.target.selectionStart);
          setActive(0);
          setDismissed(false);
        }}
        onKeyDown={onKeyDown}
        onClick={track}
        onBlur={() => setTimeout(() => setDismissed(true), 150)}
        className={className}
        spellCheck={false}
      />
      {suggestions.length > 0 ? (
        <ul role="listbox" aria-label="Expression Language functions" data-testid="el-suggestions" className="absolute left-0 right-0 z-20 mt-0.5 max-h-48 overflow-y-auto rounded-md border border-violet-200 bg-white text-xs shadow">
          {suggestions.map((f, i) => (
            <li
              key={f.name}
              role="option"
              aria-selected={i === active}
              onMouseDown={(e) => {
                e.preventDefault();
                insert(f);
              }}
              className={`cursor-pointer px-2 py-0.5 ${i === active ? "bg-violet-100" : ""}`}
            >
              <code className="text-violet-800">{f.signature}</code> <span className="text-slate-500">→ {f.returns}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
