import type { FieldError, PresetMeta } from '../shared/protocol.js';
import { h } from './dom.js';

type JsonSchema = Readonly<Record<string, unknown>>;

/** How a field is edited: a number, a checkbox, one of a list, free text, or JSON (arrays, objects). */
type FieldKind =
  | { readonly kind: 'number'; readonly integer: boolean }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'enum'; readonly options: readonly string[] }
  | { readonly kind: 'string' }
  | { readonly kind: 'json' };

function kindOf(s: JsonSchema | undefined, value: unknown): FieldKind {
  if (s && Array.isArray(s.enum) && s.enum.every((x) => typeof x === 'string'))
    return { kind: 'enum', options: s.enum as string[] };
  const type = s?.type;
  if (type === 'integer') return { kind: 'number', integer: true };
  if (type === 'number') return { kind: 'number', integer: false };
  if (type === 'boolean') return { kind: 'boolean' };
  if (type === 'string') return { kind: 'string' };
  if (s === undefined) {
    if (typeof value === 'number') return { kind: 'number', integer: Number.isInteger(value) };
    if (typeof value === 'boolean') return { kind: 'boolean' };
    if (typeof value === 'string') return { kind: 'string' };
  }
  return { kind: 'json' };
}

function bound(s: JsonSchema | undefined, key: 'minimum' | 'maximum'): string | undefined {
  const v = s?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
}

interface Field {
  readonly name: string;
  readonly kind: FieldKind;
  readonly input: HTMLInputElement | HTMLSelectElement;
  readonly error: HTMLElement;
}

/**
 * The config form of one experiment: one labelled control per schema field (numbers, checkboxes,
 * lists of allowed values, JSON for arrays), filled from the chosen preset. It never judges values
 * itself: the worker validates them with the experiment's schema and {@link ConfigForm.showErrors}
 * puts each message next to its field.
 */
export class ConfigForm {
  readonly element: HTMLFieldSetElement;
  private fields: Field[] = [];
  private preset: PresetMeta | null = null;
  private readonly schema: JsonSchema | null;

  constructor(schema: Record<string, unknown> | null) {
    this.schema = schema;
    this.element = h('fieldset', { class: 'config' }, h('legend', {}, 'Config'));
  }

  /** Rebuilds the controls with a preset's values. */
  fill(preset: PresetMeta): void {
    this.preset = preset;
    for (const f of this.fields) f.input.closest('.field')?.remove();
    const props = (this.schema?.properties ?? {}) as Record<string, JsonSchema>;
    this.fields = Object.entries(preset.config).map(([name, value]) => this.field(name, value, props[name]));
  }

  private field(name: string, value: unknown, s: JsonSchema | undefined): Field {
    const kind = kindOf(s, value);
    const id = `cfg-${name}`;
    const errorId = `${id}-error`;
    let input: HTMLInputElement | HTMLSelectElement;
    if (kind.kind === 'enum') {
      input = h('select', { id, name, 'aria-describedby': errorId });
      for (const o of kind.options) input.append(h('option', { value: o, selected: o === value }, o));
    } else if (kind.kind === 'boolean') {
      input = h('input', { id, name, type: 'checkbox', 'aria-describedby': errorId });
      input.checked = value === true;
    } else if (kind.kind === 'number') {
      input = h('input', {
        id,
        name,
        type: 'number',
        step: kind.integer ? '1' : 'any',
        min: bound(s, 'minimum'),
        max: bound(s, 'maximum'),
        value: String(value),
        'aria-describedby': errorId,
      });
    } else {
      input = h('input', {
        id,
        name,
        type: 'text',
        value: kind.kind === 'string' ? String(value) : JSON.stringify(value),
        'aria-describedby': errorId,
        spellcheck: 'false',
      });
    }
    const error = h('span', { id: errorId, class: 'field-error', role: 'alert' });
    const description = typeof s?.description === 'string' ? s.description : '';
    this.element.append(
      h(
        'div',
        { class: 'field' },
        h('label', { for: id, title: description || undefined }, name),
        input,
        error,
      ),
    );
    return { name, kind, input, error };
  }

  private read(f: Field): unknown {
    const raw = f.input.value;
    switch (f.kind.kind) {
      case 'boolean':
        return (f.input as HTMLInputElement).checked;
      case 'number':
        // Anything that is not a number goes to the schema as typed, so its message names it.
        return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
      case 'enum':
      case 'string':
        return raw;
      case 'json':
        try {
          return JSON.parse(raw) as unknown;
        } catch {
          return raw;
        }
    }
  }

  /** The fields whose value differs from the preset's (the run's overrides, as `--set` would give). */
  overrides(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (!this.preset) return out;
    for (const f of this.fields) {
      const v = this.read(f);
      if (JSON.stringify(v) !== JSON.stringify(this.preset.config[f.name])) out[f.name] = v;
    }
    return out;
  }

  /** Shows the schema's messages next to their fields (clears the others); focuses the first. */
  showErrors(errors: readonly FieldError[]): void {
    for (const f of this.fields) {
      const e = errors.find((x) => x.field === f.name);
      f.error.textContent = e ? e.message : '';
      f.input.setAttribute('aria-invalid', e ? 'true' : 'false');
    }
    const first = this.fields.find((f) => errors.some((x) => x.field === f.name));
    first?.input.focus();
  }

  /** Enables or disables every control (disabled while a run is in progress). */
  setDisabled(disabled: boolean): void {
    for (const f of this.fields) f.input.disabled = disabled;
  }
}
