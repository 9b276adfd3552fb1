/**
 * Loads the handlebars templates of templates/ once. Templates only loop and substitute: every
 * value they print is computed by the generator. The helpers here are the only logic they use.
 */
import { readdirSync, readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { PROJECT_ROOT } from '../formats/version.js';

const TEMPLATE_DIR = new URL('templates/', PROJECT_ROOT);

const handlebars = Handlebars.create();
for (const file of readdirSync(new URL('partials/', TEMPLATE_DIR))) {
  if (file.endsWith('.hbs')) {
    handlebars.registerPartial(file.slice(0, -4), readFileSync(new URL(`partials/${file}`, TEMPLATE_DIR), 'utf8'));
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

/**
 * {{signExtend W A "name"}}: `name` (A bits, signed) sign-extended to W bits, as a Verilog-2005
 * concatenation (no cast), so that every operand of an expression has the expression's width.
 */
handlebars.registerHelper('signExtend', (width: number, from: number, name: string) => {
  if (!Number.isInteger(width) || !Number.isInteger(from) || width < from) throw new Error(`signExtend: cannot extend ${from} bits to ${width}`);
  return width === from ? name : `{{${width - from}{${name}[${from - 1}]}}, ${name}}`;
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
