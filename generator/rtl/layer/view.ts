/**
 * What every view of a layer's modules shares: the HDL flavour's keywords, the reset's, the
 * header; and the file of a rendered module.
 */
import type { GeneratedFile } from '../design.js';
import { hdlKeywords, resetKeywords } from '../hdl.js';
import { render } from '../templates.js';
import type { LayerModel } from './model.js';

/** The fields every layer template uses: keywords, reset, header, the module's name. */
export function moduleView(model: LayerModel, module: string) {
  return { ...hdlKeywords(model.choices.hdl), ...resetKeywords(model.choices.reset), header: model.header, module };
}

/** Module `module` rendered from templates/<template>.hbs, as rtl/<module>.<ext>. */
export function rtlFile(model: LayerModel, module: string, template: string, view: object): GeneratedFile {
  return { path: `rtl/${module}.${hdlKeywords(model.choices.hdl).ext}`, role: 'rtl', contents: render(template, view) };
}
