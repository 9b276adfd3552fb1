/** The XOR decoder of each plane, `<top>_dec_p<p>` (generator/rtl/decoder.ts renders it). */
import { renderDecoderModule } from '../decoder.js';
import type { GeneratedFile } from '../design.js';
import { hdlKeywords } from '../hdl.js';
import type { LayerModel } from './model.js';

export function decoderFiles(model: LayerModel): GeneratedFile[] {
  const ext = hdlKeywords(model.choices.hdl).ext;
  return model.data.matrices.map((matrix, p) => {
    const name = model.names.decoders[p];
    return { path: `rtl/${name}.${ext}`, role: 'rtl', contents: renderDecoderModule(matrix, name, model.header, model.choices.hdl) };
  });
}

/** The decoders as the top instantiates them: plane p's module. */
export function decoderInstances(model: LayerModel) {
  return model.names.decoders.map((name, plane) => ({ name, plane }));
}
