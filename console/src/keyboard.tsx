/**
 * Keyboard use: Escape closes the innermost open panel or dialog, `?` lists the shortcuts, `/` jumps
 * to the search box of the page, `g` then a letter goes to a section. Keys typed into a field are
 * left to the field.
 */
import { useEffect, useRef, useState } from 'react';
import { href } from './route';

/** The shortcuts, as the list shows them. */
export const SHORTCUTS: { keys: string; does: string }[] = [
  { keys: '?', does: 'show this list' },
  { keys: '/', does: 'jump to the search or id box of the page' },
  { keys: 'g j', does: 'go to Journeys' },
  { keys: 'g c', does: 'go to Customers' },
  { keys: 'g s', does: 'go to Segments' },
  { keys: 'g t', does: 'go to CRM tasks' },
  { keys: 'g o', does: 'go to Operations' },
  { keys: 'Escape', does: 'close the open panel or dialog (in a JSON editor: press it, then Tab leaves the editor)' },
  { keys: 'Enter', does: 'submit the form you are in (sign in, find, explain, run the simulation)' },
  { keys: 'Delete', does: 'in the draft editor: remove the selected node or edge' },
];

const GO: Record<string, string> = { j: 'journeys', c: 'customers', s: 'segments', t: 'crm', o: 'operations' };

/** True when the key went to something that takes text. */
export function typingIn(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

// Escape closes the most recently opened panel first.
const escapeStack: (() => void)[] = [];

/** Calls `onEscape` on Escape while `active`, before any panel opened earlier. */
export function useEscape(active: boolean, onEscape: () => void): void {
  const handler = useRef(onEscape);
  handler.current = onEscape;
  useEffect(() => {
    if (!active) return;
    const entry = () => handler.current();
    escapeStack.push(entry);
    return () => {
      escapeStack.splice(escapeStack.indexOf(entry), 1);
    };
  }, [active]);
}

/** The global keys; renders the shortcut list when asked. */
export function Shortcuts() {
  const [open, setOpen] = useState(false);
  const pendingG = useRef(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && escapeStack.length > 0) {
        // A CodeMirror editor keeps Escape for itself (it leaves the editor's Tab trap).
        if ((e.target as HTMLElement | null)?.closest?.('.cm-editor')) return;
        escapeStack.at(-1)!();
        e.preventDefault();
        return;
      }
      if (typingIn(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      if (pendingG.current) {
        pendingG.current = false;
        if (GO[e.key]) window.location.hash = href([GO[e.key]]);
        return;
      }
      if (e.key === 'g') pendingG.current = true;
      else if (e.key === '?') setOpen(true);
      else if (e.key === '/') {
        const box = document.querySelector<HTMLInputElement>('main input[type="search"], main input[aria-label="Customer id"], main input:not([type]), main input[type="text"]');
        if (box) {
          e.preventDefault();
          box.focus();
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  useEscape(open, () => setOpen(false));
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (open) close.current?.focus();
  }, [open]);
  if (!open) return null;
  return (
    <div className="je-overlay" onClick={() => setOpen(false)}>
      <div className="je-dialog" role="dialog" aria-modal="true" aria-labelledby="je-shortcuts-title" onClick={(e) => e.stopPropagation()}>
        <h2 id="je-shortcuts-title">Keyboard shortcuts</h2>
        <table className="je-table" data-testid="shortcuts">
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.keys}>
                <td>
                  {s.keys.split(' ').map((k) => (
                    <kbd key={k}>{k}</kbd>
                  ))}
                </td>
                <td>{s.does}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="je-dim">Tab and Shift+Tab move between controls in reading order.</p>
        <button type="button" ref={close} onClick={() => setOpen(false)}>
          Close (Escape)
        </button>
      </div>
    </div>
  );
}
