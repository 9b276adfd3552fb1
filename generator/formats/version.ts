import { readFileSync } from 'node:fs';

/** The project root: dist/generator/formats/version.js lives three levels below it. */
export const PROJECT_ROOT = new URL('../../../', import.meta.url);

/** flexor-rtl's version, from package.json. */
export const VERSION: string = (JSON.parse(readFileSync(new URL('package.json', PROJECT_ROOT), 'utf8')) as { version: string }).version;
