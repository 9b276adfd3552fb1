/**
 * Loads the handlebars templates of templates/ once. Templates only loop and substitute: every
 * value they print is computed by the generator. The helpers here are the only logic they use,
 * all small and generic (literals, extensions, ranges, wrapping a comment).
 *
 * Partials: every file of templates/partials/ (`{{> header}}`), and every file of a design kind's
 * folder whose name starts with `_` (templates/layer/_collector.hbs is `{{> layer/collector}}`).
 * A one-line partial's newline is dropped, so that it can be used inside a line
 * (`{{> always_reset}} begin`); a longer partial stands on lines of its own.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import Handlebars from 'handlebars';
import { PROJECT_ROOT } from '../formats/version.js';

const TEMPLATE_DIR = new URL('templates/', PROJECT_ROOT);

const handlebars = Handlebars.create();

function registerPartials(folder: string, prefix: string, onlyUnderscored: boolean): void {
  for (const file of readdirSync(new URL(`${folder}/`, TEMPLATE_DIR))) {
    if (!file.endsWith('.hbs') || (onlyUnderscored && !file.startsWith('_'))) continue;
    const name = prefix + file.slice(onlyUnderscored ? 1 : 0, -4);
    const text = readFileSync(new URL(`${folder}/${file}`, TEMPLATE_DIR), 'utf8');
    handlebars.registerPartial(name, /^[^\n]*\n$/.test(text) ? text.slice(0, -1) : text);
  }
}
// Partials of one design kind: templates/<kind>/_<name>.hbs, used as {{> <kind>/<name>}}.
for (const kind of readdirSync(TEMPLATE_DIR, { withFileTypes: true })) {
  if (!kind.isDirectory() || kind.name === 'partials') continue;
  for (const file of readdirSync(new URL(`${kind.name}/`, TEMPLATE_DIR))) {
    if (file.startsWith('_') && file.endsWith('.hbs')) {
      handlebars.registerPartial(`${kind.name}/${file.slice(1, -4)}`, readFileSync(new URL(`${kind.name}/${file}`, TEMPLATE_DIR), 'utf8'));
    }
  }
}

registerPartials('partials', '', false);
for (const folder of readdirSync(TEMPLATE_DIR)) {
  if (folder !== 'partials' && statSync(new URL(`${folder}/`, TEMPLATE_DIR)).isDirectory()) registerPartials(folder, `${folder}/`, true);
}

function requireWidth(helper: string, width: unknown): number {
  if (typeof width !== 'number' || !Number.isInteger(width) || width < 1) throw new Error(`${helper}: a width must be a positive integer; got ${String(width)}`);
  return width;
}

/**
 * {{signExtend W A "name"}}: `name` (A bits, signed) sign-extended to W bits, as a Verilog-2005
 * concatenation (no cast), so that every operand of an expression has the expression's width.
 * The name may come in parts, joined: {{signExtend W A "sum" id}} extends sum<id>.
 */
handlebars.registerHelper('signExtend', (width: number, from: number, ...rest: unknown[]) => {
  if (!Number.isInteger(width) || !Number.isInteger(from) || width < from) throw new Error(`signExtend: cannot extend ${from} bits to ${width}`);
  const name = rest.slice(0, -1).join('');
  if (width === from) return name;
  const sign = `${name}[${from - 1}]`;
  return width === from + 1 ? `{${sign}, ${name}}` : `{{${width - from}{${sign}}}, ${name}}`;
});

/** {{zeroExtend W A "name"}}: `name` (A bits, unsigned) zero-extended to W bits. */
handlebars.registerHelper('zeroExtend', (width: number, from: number, name: string) => {
  if (!Number.isInteger(width) || !Number.isInteger(from) || width < from) throw new Error(`zeroExtend: cannot extend ${from} bits to ${width}`);
  if (width === from) return name;
  return width === from + 1 ? `{1'b0, ${name}}` : `{{${width - from}{1'b0}}, ${name}}`;
});

/**
 * {{sized W v}}: the decimal literal W'dv; {{sized W v signed=true}}: W'sdv, or -W'sd|v| for a
 * negative v. v is a number, a bigint or a string of decimal digits; it must fit W bits.
 */
handlebars.registerHelper('sized', (width: number, value: number | bigint | string, options: Handlebars.HelperOptions) => {
  requireWidth('sized', width);
  const signed = options.hash.signed === true;
  const v = BigInt(value);
  const fits = signed ? v >= -(1n << BigInt(width - 1)) && v < 1n << BigInt(width - 1) : v >= 0n && v < 1n << BigInt(width);
  if (!fits) throw new Error(`sized: ${v} does not fit ${width} ${signed ? 'signed' : 'unsigned'} bits`);
  return v < 0n ? `-${width}'sd${-v}` : `${width}'${signed ? 's' : ''}d${v}`;
});

/** {{packed W}}: the packed range [W-1:0] of a W-bit vector. */
handlebars.registerHelper('packed', (width: number) => `[${requireWidth('packed', width) - 1}:0]`);

/** {{unpacked N}}: the unpacked range [0:N-1] of an N-entry memory. */
handlebars.registerHelper('unpacked', (count: number) => `[0:${requireWidth('unpacked', count) - 1}]`);

/** {{comma @last}}: a comma, unless this is the last item of a list. */
handlebars.registerHelper('comma', (last: boolean) => (last ? '' : ','));

/**
 * {{#each (wrap text W)}}: `text` itself when it fits in W characters; otherwise its words as
 * lines of at most W characters (a word longer than W is a line of its own), for comments that must stay within the line length. With
 * breakBefore="--", a line breaks only before a word starting with "--" where it can, so that a
 * command's options stay whole.
 */
handlebars.registerHelper('wrap', (text: string, width: number, options: Handlebars.HelperOptions) => {
  requireWidth('wrap', width);
  // A line that fits is kept as it is, its spacing too (a header's indented configuration lines).
  if (String(text).length <= width) return [String(text)];
  const prefix = options.hash.breakBefore as string | undefined;
  const words = String(text).split(/\s+/).filter((w) => w !== '');
  // Units that stay on one line: words, or with breakBefore a word and the words up to the next break.
  const units: string[] = [];
  for (const word of words) {
    if (prefix !== undefined && units.length > 0 && !word.startsWith(prefix)) units[units.length - 1] += ` ${word}`;
    else units.push(word);
  }
  const lines: string[] = [];
  let line = '';
  for (const unit of units.flatMap((u) => (u.length > width ? u.split(' ') : [u]))) {
    if (line !== '' && line.length + 1 + unit.length > width) {
      lines.push(line);
      line = unit;
    } else {
      line = line === '' ? unit : `${line} ${unit}`;
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
});

const compiled = new Map<string, Handlebars.TemplateDelegate>();

/** Renders templates/<name>.hbs with `view`; no HTML escaping, strict about missing fields. */
export function render(name: string, view: object): string {
  let template = compiled.get(name);
  if (!template) {
    const source = readFileSync(new URL(`${name}.hbs`, TEMPLATE_DIR), 'utf8');
    template = handlebars.compile(source, { noEscape: true, strict: true });
    compiled.set(name, template);
  }
  return template(view);
}
