import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import canvasSchema from '../../../engine/canvas.schema.json';
import { fieldKind, JsonEditorKind, resolve, SchemaForm, type Schema } from './SchemaForm';

// jsdom lays nothing out, so CodeMirror (a browser editor, covered by the e2e) is swapped for the plain box here.
const plain = ({ children }: { children: React.ReactNode }) => <JsonEditorKind.Provider value="plain">{children}</JsonEditorKind.Provider>;

const defs = (canvasSchema as { $defs: Record<string, Schema> }).$defs;
afterEach(cleanup);

describe('SchemaForm generated from the canvas schema', () => {
  it("renders a field per property of a node kind's schema, by type", () => {
    const node = { id: 'w', type: 'wait_for_event', event: 'opened', timeout: 'PT2H' };
    render(<SchemaForm schema={defs.wait_for_event} defs={defs} value={node} onChange={() => {}} />, { wrapper: plain });
    expect((screen.getByLabelText('timeout *') as HTMLInputElement).value).toBe('PT2H');
    expect((screen.getByLabelText('event *') as HTMLInputElement).value).toBe('opened');
    const since = screen.getByLabelText('since') as HTMLSelectElement;
    expect([...since.options].map((o) => o.value)).toEqual(['', 'node', 'entry']);
    expect(screen.getByLabelText('type *').textContent).toBe('wait_for_event');
    expect(screen.getByLabelText('where').tagName).toBe('TEXTAREA');
  });

  it('reports an edit as the new node value', () => {
    const onChange = vi.fn();
    render(<SchemaForm schema={defs.wait} defs={defs} value={{ id: 'w', type: 'wait', duration: 'P1D' }} onChange={onChange} />, { wrapper: plain });
    fireEvent.change(screen.getByLabelText('duration'), { target: { value: 'PT5M' } });
    expect(onChange).toHaveBeenLastCalledWith({ id: 'w', type: 'wait', duration: 'PT5M' });
    fireEvent.change(screen.getByLabelText('duration'), { target: { value: '' } });
    expect(onChange).toHaveBeenLastCalledWith({ id: 'w', type: 'wait' });
  });

  it('edits object settings as JSON and changes the value only once the text parses', () => {
    const onChange = vi.fn();
    render(<SchemaForm schema={defs.action} defs={defs} value={{ id: 's', type: 'action', action: 'sms', params: { body: 'hi' } }} onChange={onChange} />, { wrapper: plain });
    const params = screen.getByLabelText('params *');
    fireEvent.change(params, { target: { value: '{"body": "hel' } });
    expect(onChange).not.toHaveBeenCalled();
    expect(screen.getByText(/not JSON yet/)).toBeTruthy();
    fireEvent.change(params, { target: { value: '{"body": "hello"}' } });
    expect(onChange).toHaveBeenLastCalledWith({ id: 's', type: 'action', action: 'sms', params: { body: 'hello' } });
  });

  it('shows the errors pinned on a field next to it', () => {
    const issues = [{ code: 'invalid_duration', message: 'duration must be an ISO 8601 duration', path: '$.nodes[1].duration', nodeId: 'w', field: 'duration' }];
    render(<SchemaForm schema={defs.wait} defs={defs} value={{ id: 'w', type: 'wait', duration: 'soon' }} onChange={() => {}} issues={issues} />, { wrapper: plain });
    expect(screen.getByRole('alert').textContent).toBe('duration must be an ISO 8601 duration');
    expect(screen.getByLabelText('duration').getAttribute('aria-invalid')).toBe('true');
  });

  it('resolves $refs and picks the editor of each schema', () => {
    expect(resolve({ $ref: '#/$defs/duration' }, defs).format).toBe('duration');
    expect(fieldKind({ const: 'x' })).toBe('const');
    expect(fieldKind({ enum: ['a'] })).toBe('enum');
    expect(fieldKind({ type: 'integer' })).toBe('number');
    expect(fieldKind({ type: 'boolean' })).toBe('boolean');
    expect(fieldKind({ type: 'object' })).toBe('json');
  });
});
