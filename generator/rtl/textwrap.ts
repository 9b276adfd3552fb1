/**
 * Line layout of generated HDL: no line longer than MAX_COLUMNS. Comments, lists and the
 * regeneration command whose length depends on the configuration are wrapped here, so that the
 * templates only print the lines they are given.
 */

/** The longest line, in columns, of a generated HDL file. */
export const MAX_COLUMNS = 100;

/**
 * The width at which a file's header (templates/partials/header.hbs, `wrap this 94`) wraps its
 * lines after `// `; a header line no longer than this is printed as it is.
 */
export const HEADER_TEXT_COLUMNS = 94;

/**
 * Words packed greedily, one space apart, into lines of at most `width` characters (`firstWidth`
 * for the first line). A word longer than its line stands alone on it: words are never split.
 */
export function packWords(words: readonly string[], width: number, firstWidth = width): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    const limit = lines.length === 0 ? firstWidth : width;
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= limit) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  lines.push(line);
  return lines;
}

/** Prose wrapped at spaces into lines of at most `width` characters (`firstWidth` for the first). */
export function wrapText(text: string, width: number, firstWidth = width): string[] {
  return packWords(text.split(/ +/), width, firstWidth);
}

/** `a, b, c` wrapped after commas into lines of at most `width` characters (`firstWidth` for the first). */
export function wrapList(items: readonly (string | number)[], width: number, firstWidth = width): string[] {
  return packWords(
    items.map((item, i) => (i < items.length - 1 ? `${item},` : String(item))),
    width,
    firstWidth,
  );
}

/**
 * A shell command cut into lines of at most `width` characters that a POSIX shell reads back as
 * the same command: every line but the last ends in ` \`. Lines break only before an option
 * (`--name`), so an option stays on one line with its value; quoted words are never split.
 */
export function wrapCommand(command: string, width: number): string[] {
  const groups: string[] = [];
  for (const word of command.match(/(?:[^\s'\\]+|\\.|'[^']*')+/g) ?? []) {
    if (groups.length === 0 || word.startsWith('--')) groups.push(word);
    else groups[groups.length - 1] += ` ${word}`;
  }
  const lines = packWords(groups, width - ' \\'.length);
  return lines.map((line, i) => (i < lines.length - 1 ? `${line} \\` : line));
}
