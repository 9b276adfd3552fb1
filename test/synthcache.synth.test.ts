/**
 * The synthesis cache: its key, where it lives, reading and writing entries, and synthesizeDesign
 * reading a run from it instead of running Yosys again. Every test here uses a temporary cache
 * folder of its own.
 */
import { expect } from 'chai';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { synthesizeDesign, synthReportText, type SynthOptions, type SynthReport } from '../generator/eda/synth.js';
import {
  cacheDisabledByEnv,
  readCacheEntry,
  CACHE_SCHEMA,
  synthCacheDir,
  synthCacheFile,
  synthCacheKey,
  writeCacheEntry,
  type CachedToolRun,
  type SynthCacheKeyInput,
} from '../generator/eda/synthcache.js';
import { tempDir } from './helpers.js';

const KEY_INPUT: SynthCacheKeyInput = {
  top: 'outer',
  target: 'generic',
  yosys: 'embedded',
  yosysVersion: '0.55.944 (@yowasp/yosys)',
  script: 'read_verilog -defer rtl/inner.v rtl/outer.v\n',
  files: new Map([
    ['rtl/inner.v', 'module inner; endmodule\n'],
    ['rtl/outer.v', 'module outer; inner u(); endmodule\n'],
  ]),
};

const RUN: CachedToolRun = { code: 0, log: 'Yosys 0.55\nWarning: one\n', outputs: new Map([['netlist.json', '{"modules":{}}']]), seconds: 2.5 };

describe('synthesis cache: key', () => {
  it('is the same for the same input and changes with each file, its name, their order, the top, the target and the Yosys', () => {
    const key = synthCacheKey(KEY_INPUT);
    expect(key).to.match(/^[0-9a-f]{64}$/);
    expect(synthCacheKey({ ...KEY_INPUT, files: new Map(KEY_INPUT.files) })).to.equal(key);
    const [[a, aText], [b, bText]] = [...KEY_INPUT.files];
    const variants: [string, SynthCacheKeyInput][] = [
      ['one file changed', { ...KEY_INPUT, files: new Map([[a, aText], [b, `${bText}// changed\n`]]) }],
      ['one file renamed', { ...KEY_INPUT, files: new Map([[a, aText], ['rtl/other.v', bText]]) }],
      ['file order', { ...KEY_INPUT, files: new Map([[b, bText], [a, aText]]) }],
      ['one file more', { ...KEY_INPUT, files: new Map([[a, aText], [b, bText], ['rom.hex', '00\n']]) }],
      ['top', { ...KEY_INPUT, top: 'inner' }],
      ['target', { ...KEY_INPUT, target: 'xilinx' }],
      ['Yosys kind', { ...KEY_INPUT, yosys: 'system' }],
      ['Yosys version', { ...KEY_INPUT, yosysVersion: '0.56.1 (@yowasp/yosys)' }],
      ['script', { ...KEY_INPUT, script: `${KEY_INPUT.script}stat\n` }],
    ];
    const keys = new Set([key]);
    for (const [what, input] of variants) {
      const other = synthCacheKey(input);
      expect(keys.has(other), what).to.equal(false);
      keys.add(other);
    }
  });
});

describe('synthesis cache: where', () => {
  it('FLEXOR_CACHE_DIR, else an absolute XDG_CACHE_HOME, else ~/.cache; off with FLEXOR_NO_CACHE or without a home', () => {
    expect(synthCacheDir({ FLEXOR_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' }, '/h')).to.equal('/c/synth');
    expect(synthCacheDir({ XDG_CACHE_HOME: '/x' }, '/h')).to.equal('/x/flexor-rtl/synth');
    expect(synthCacheDir({ XDG_CACHE_HOME: 'relative' }, '/h')).to.equal('/h/.cache/flexor-rtl/synth');
    expect(synthCacheDir({ FLEXOR_CACHE_DIR: '' }, '/h')).to.equal('/h/.cache/flexor-rtl/synth');
    expect(synthCacheDir({}, '')).to.equal(undefined);
    expect(synthCacheDir({ FLEXOR_CACHE_DIR: '/c', FLEXOR_NO_CACHE: '1' }, '/h')).to.equal(undefined);
    expect(synthCacheDir({ FLEXOR_NO_CACHE: 'yes' }, '/h')).to.equal(undefined);
    expect(synthCacheDir({ FLEXOR_NO_CACHE: '0' }, '/h')).to.equal('/h/.cache/flexor-rtl/synth');
    expect(synthCacheDir({ FLEXOR_NO_CACHE: '' }, '/h')).to.equal('/h/.cache/flexor-rtl/synth');
    expect(cacheDisabledByEnv({ FLEXOR_NO_CACHE: '1' })).to.equal(true);
    expect(cacheDisabledByEnv({})).to.equal(false);
  });
});

describe('synthesis cache: entries', () => {
  const key = synthCacheKey(KEY_INPUT);

  it('a written entry reads back equal; the folder holds the entry and no temporary file', () => {
    const dir = join(tempDir('cache-entry'), 'synth');
    expect(readCacheEntry(dir, key), 'before writing').to.equal(undefined);
    expect(writeCacheEntry(dir, key, RUN)).to.equal(undefined);
    expect(readCacheEntry(dir, key)).to.deep.equal(RUN);
    expect(readdirSync(dir)).to.deep.equal([`${key}.json.gz`]);
    // Written again (another process with the same design): replaced whole.
    expect(writeCacheEntry(dir, key, { ...RUN, log: 'again' })).to.equal(undefined);
    expect(readCacheEntry(dir, key)?.log).to.equal('again');
    expect(readdirSync(dir)).to.deep.equal([`${key}.json.gz`]);
  });

  it('a corrupt, foreign or unreadable entry is a miss, not an error', () => {
    const dir = join(tempDir('cache-corrupt'), 'synth');
    writeCacheEntry(dir, key, RUN);
    const file = synthCacheFile(dir, key);
    const good = readFileSync(file);

    writeFileSync(file, 'not gzip at all');
    expect(readCacheEntry(dir, key), 'not gzip').to.equal(undefined);
    writeFileSync(file, good.subarray(0, good.length >> 1));
    expect(readCacheEntry(dir, key), 'truncated').to.equal(undefined);

    // An entry stored under another key (a renamed file), or of another schema.
    const other = synthCacheKey({ ...KEY_INPUT, top: 'inner' });
    writeCacheEntry(dir, other, RUN);
    writeFileSync(file, readFileSync(synthCacheFile(dir, other)));
    expect(readCacheEntry(dir, key), 'another key').to.equal(undefined);

    // Well-formed entries of the right key whose fields are wrong.
    const entry = { schema: CACHE_SCHEMA, key, code: 0, log: '', outputs: {}, seconds: 1 };
    for (const wrong of [null, [], { ...entry, code: '0' }, { ...entry, log: 7 }, { ...entry, outputs: [] }, { ...entry, outputs: { 'netlist.json': 1 } }, { ...entry, seconds: undefined }]) {
      writeFileSync(file, gzipSync(JSON.stringify(wrong)));
      expect(readCacheEntry(dir, key), JSON.stringify(wrong)).to.equal(undefined);
    }
    writeFileSync(file, gzipSync(JSON.stringify(entry)));
    expect(readCacheEntry(dir, key), 'the same entry with right fields').to.deep.equal({ code: 0, log: '', outputs: new Map(), seconds: 1 });

    // A folder where the entry should be: cannot be read, nor replaced.
    const dir3 = join(tempDir('cache-folder'), 'synth');
    mkdirSync(synthCacheFile(dir3, key), { recursive: true });
    expect(readCacheEntry(dir3, key)).to.equal(undefined);
    expect(writeCacheEntry(dir3, key, RUN)).to.be.a('string');
    expect(readdirSync(dir3), 'no temporary file left').to.deep.equal([`${key}.json.gz`]);
  });

  it('an entry of another schema is a miss', () => {
    const dir = join(tempDir('cache-schema'), 'synth');
    writeCacheEntry(dir, key, RUN);
    const file = synthCacheFile(dir, key);
    // The entry rewritten with the schema one higher.
    const entry = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { schema: number };
    expect(entry.schema).to.equal(CACHE_SCHEMA);
    writeFileSync(file, gzipSync(JSON.stringify({ ...entry, schema: CACHE_SCHEMA + 1 })));
    expect(readCacheEntry(dir, key)).to.equal(undefined);
  });

  it('a cache folder that cannot be made: the write says why and does not throw', () => {
    const parent = tempDir('cache-blocked');
    writeFileSync(join(parent, 'file'), 'a file, not a folder');
    const why = writeCacheEntry(join(parent, 'file', 'synth'), key, RUN);
    expect(why).to.be.a('string').and.to.match(/ENOTDIR|EEXIST/);
  });
});

// ------------------------------------------------------------------------------------------------

/** A design folder of our own: two modules in two files, a file list and the manifest fields flexor synth reads. */
function writeDesign(dir: string, top: string): string {
  mkdirSync(join(dir, 'rtl'), { recursive: true });
  writeFileSync(join(dir, 'rtl', 'inner.v'), 'module inner(input wire clk, input wire [3:0] a, output reg [3:0] q);\n  always @(posedge clk) q <= a ^ {a[2:0], a[3]};\nendmodule\n');
  writeFileSync(join(dir, 'rtl', 'outer.v'), 'module outer(input wire clk, input wire [3:0] a, output wire [3:0] q);\n  inner u(.clk(clk), .a(a), .q(q));\nendmodule\n');
  setTop(dir, top);
  return dir;
}

function setTop(dir: string, top: string): void {
  writeFileSync(join(dir, 'design.f'), 'rtl/inner.v\nrtl/outer.v\n');
  const manifest = { kind: 'test', top, rtlFileList: 'design.f', testbench: { top: `tb_${top}`, fileList: 'design.f', vectors: 0 }, files: [] };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
}

/** The entries in the cache folder of this test. */
function entries(): string[] {
  const dir = synthCacheDir();
  expect(dir).to.be.a('string');
  try {
    return readdirSync(dir!).filter((f) => f.endsWith('.json.gz'));
  } catch {
    return [];
  }
}

/** The report without what differs between two calls: the wall clock and where the run came from. */
function figures(r: SynthReport): Omit<SynthReport, 'seconds' | 'cached'> {
  const { seconds: _s, cached: _c, ...rest } = r;
  return rest;
}

/** Adds a marker warning to the log of the one cache entry: a report that shows it was read from the entry. */
function markEntry(marker: string): void {
  const [name] = entries();
  const key = name.replace(/\.json\.gz$/, '');
  const dir = synthCacheDir()!;
  const run = readCacheEntry(dir, key);
  expect(run, 'the entry reads').to.not.equal(undefined);
  expect(writeCacheEntry(dir, key, { ...run!, log: `${run!.log}\nWarning: ${marker}\n` })).to.equal(undefined);
}

describe('synthesis cache: synthesizeDesign (embedded Yosys)', function () {
  let saved: { dir?: string; off?: string };
  beforeEach(() => {
    saved = { dir: process.env.FLEXOR_CACHE_DIR, off: process.env.FLEXOR_NO_CACHE };
    process.env.FLEXOR_CACHE_DIR = tempDir('synth-cache-own');
    delete process.env.FLEXOR_NO_CACHE;
  });
  afterEach(() => {
    for (const [name, value] of [['FLEXOR_CACHE_DIR', saved.dir], ['FLEXOR_NO_CACHE', saved.off]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('a second synthesis reads the entry instead of running Yosys and reports the same figures; the text says so', async function () {
    const dir = writeDesign(tempDir('cache-same'), 'outer');
    const first = await synthesizeDesign(dir, { target: 'generic' });
    expect(first.errors, first.yosysLog.slice(-2000)).to.deep.equal([]);
    expect(first.cached).to.equal(false);
    expect(first.total.flipFlops).to.equal(4);
    expect(entries()).to.have.length(1);

    const second = await synthesizeDesign(dir, { target: 'generic' });
    expect(second.cached).to.equal(true);
    expect(figures(second)).to.deep.equal(figures(first));
    expect(entries()).to.have.length(1);
    expect(synthReportText(second)).to.match(/^from the synthesis cache: Yosys did not run/m);
    expect(synthReportText(first)).to.not.match(/synthesis cache/);

    // The report comes from the entry: a warning put into the stored log shows up in it.
    markEntry('put into the cache entry by the test');
    const third = await synthesizeDesign(dir, { target: 'generic' });
    expect(third.cached).to.equal(true);
    expect(third.warnings).to.include('put into the cache entry by the test');
  });

  it('a changed source file, another target or another top is a miss, stored beside the first entry', async function () {
    const dir = writeDesign(tempDir('cache-miss'), 'outer');
    const base = await synthesizeDesign(dir, { target: 'generic' });
    expect(base.cached).to.equal(false);

    const target = await synthesizeDesign(dir, { target: 'ice40' });
    expect(target.cached, 'another target').to.equal(false);
    expect(target.target).to.equal('ice40');
    expect(entries()).to.have.length(2);

    writeFileSync(join(dir, 'rtl', 'inner.v'), `${readFileSync(join(dir, 'rtl', 'inner.v'), 'utf8')}// one more line\n`);
    const edited = await synthesizeDesign(dir, { target: 'generic' });
    expect(edited.cached, 'a source file changed').to.equal(false);
    expect(entries()).to.have.length(3);

    setTop(dir, 'inner');
    const inner = await synthesizeDesign(dir, { target: 'generic' });
    expect(inner.cached, 'another top').to.equal(false);
    expect(inner.top).to.equal('inner');
    expect(inner.modules.map((m) => m.module)).to.deep.equal(['inner']);
    expect(entries()).to.have.length(4);

    // Each of them is a hit now.
    expect((await synthesizeDesign(dir, { target: 'generic' })).cached, 'inner again').to.equal(true);
  });

  it('a corrupt entry is a miss and is written anew', async function () {
    const dir = writeDesign(tempDir('cache-corrupt-synth'), 'outer');
    const first = await synthesizeDesign(dir, { target: 'generic' });
    const [name] = entries();
    const file = join(synthCacheDir()!, name);
    writeFileSync(file, 'garbage, not an entry');

    const second = await synthesizeDesign(dir, { target: 'generic' });
    expect(second.cached).to.equal(false);
    // Two Yosys runs: the same figures (the logs differ in their CPU times).
    expect({ ...figures(second), yosysLog: '' }).to.deep.equal({ ...figures(first), yosysLog: '' });
    const key = name.replace(/\.json\.gz$/, '');
    const stored = readCacheEntry(synthCacheDir()!, key);
    expect(stored, 'rewritten').to.not.equal(undefined);
    expect((await synthesizeDesign(dir, { target: 'generic' })).cached).to.equal(true);

    // A whole entry whose netlist is not JSON: a miss too, and written anew.
    writeCacheEntry(synthCacheDir()!, key, { ...stored!, outputs: new Map([...stored!.outputs, ['netlist.json', '{ not json']]) });
    expect((await synthesizeDesign(dir, { target: 'generic' })).cached, 'netlist not JSON').to.equal(false);
    expect(readCacheEntry(synthCacheDir()!, key)?.outputs.get('netlist.json')).to.equal(stored!.outputs.get('netlist.json'));
  });

  it('cache: false and FLEXOR_NO_CACHE=1 run Yosys and leave the cache as it is', async function () {
    const dir = writeDesign(tempDir('cache-off'), 'outer');
    await synthesizeDesign(dir, { target: 'generic' });
    markEntry('only in the cache entry');

    const off = await synthesizeDesign(dir, { target: 'generic', cache: false });
    expect(off.cached).to.equal(false);
    expect(off.warnings).to.not.include('only in the cache entry');

    process.env.FLEXOR_NO_CACHE = '1';
    const env = await synthesizeDesign(dir, { target: 'generic' });
    expect(env.cached).to.equal(false);
    expect(env.warnings).to.not.include('only in the cache entry');
    delete process.env.FLEXOR_NO_CACHE;

    // Neither run replaced the entry.
    expect(entries()).to.have.length(1);
    const again = await synthesizeDesign(dir, { target: 'generic' });
    expect(again.cached).to.equal(true);
    expect(again.warnings).to.include('only in the cache entry');
  });

  it('cache must be true or false', async function () {
    const dir = writeDesign(tempDir('cache-option'), 'outer');
    let error: unknown;
    try {
      await synthesizeDesign(dir, { cache: 'no' as unknown as SynthOptions['cache'] });
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.match(/^cache: must be true or false; got "no"/);
  });
});

describe('synthesis cache: a system Yosys that counts its runs', function () {
  let savedPath: string | undefined;
  let savedCache: string | undefined;
  let counter: string;
  beforeEach(() => {
    savedPath = process.env.PATH;
    savedCache = process.env.FLEXOR_CACHE_DIR;
    const bin = tempDir('cache-shim');
    counter = join(bin, 'runs.txt');
    writeFileSync(counter, '');
    const bundle = import.meta.resolve('@yowasp/yosys');
    // The embedded Yosys behind a `yosys` command, which appends one line per synthesis (`-s`) run.
    writeFileSync(
      join(bin, 'yosys'),
      `#!${process.execPath}
(async () => {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const { runYosys } = await import(${JSON.stringify(bundle)});
  const args = process.argv.slice(2);
  if (!args.includes('-s')) return void (await runYosys(args)); // yosys -V: no files to pass
  fs.appendFileSync(${JSON.stringify(counter)}, args.join(' ') + '\\n');
  const read = (d) => Object.fromEntries(fs.readdirSync(d).map((n) => { const p = path.join(d, n); return [n, fs.statSync(p).isDirectory() ? read(p) : fs.readFileSync(p)]; }));
  const write = (d, t) => { for (const [n, v] of Object.entries(t)) { const p = path.join(d, n); if (typeof v === 'string' || v instanceof Uint8Array) fs.writeFileSync(p, v); else { fs.mkdirSync(p, { recursive: true }); write(p, v); } } };
  try { const out = await runYosys(args, read('.')); if (out) write('.', out); } catch (e) { if (e.files) write('.', e.files); process.exit(e.code ?? 1); }
})();
`,
    );
    chmodSync(join(bin, 'yosys'), 0o755);
    process.env.PATH = `${bin}:${savedPath}`;
    process.env.FLEXOR_CACHE_DIR = tempDir('synth-cache-sys');
  });
  afterEach(() => {
    process.env.PATH = savedPath;
    if (savedCache === undefined) delete process.env.FLEXOR_CACHE_DIR;
    else process.env.FLEXOR_CACHE_DIR = savedCache;
    delete process.env.FLEXOR_NO_CACHE;
  });

  const runs = () => readFileSync(counter, 'utf8').split('\n').filter((l) => l !== '').length;

  it('runs Yosys once for two syntheses of the same design, and again with the cache off', async function () {
    const dir = writeDesign(tempDir('cache-sys'), 'outer');
    const first = await synthesizeDesign(dir, { target: 'generic', yosys: 'system' });
    expect(first.errors, first.yosysLog.slice(-2000)).to.deep.equal([]);
    expect(runs()).to.equal(1);
    const second = await synthesizeDesign(dir, { target: 'generic', yosys: 'system' });
    expect(second.cached).to.equal(true);
    expect(runs(), 'the second synthesis ran no Yosys').to.equal(1);
    expect(figures(second)).to.deep.equal(figures(first));

    process.env.FLEXOR_NO_CACHE = '1';
    const off = await synthesizeDesign(dir, { target: 'generic', yosys: 'system' });
    expect(off.cached).to.equal(false);
    expect(runs(), 'with the cache off').to.equal(2);
  });
});
