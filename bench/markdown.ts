/**
 * Updates BENCHMARKS.md section by section: a section is a `## ` heading and everything up to the
 * next one. Sections produced by this run replace those with the same heading; the others (for
 * example the slow-consumer measurements, written by hand) are kept as they are.
 */
export interface Section { readonly heading: string; readonly text: string }

export function mergeSections(existing: string, fresh: readonly Section[]): string {
  const lines = existing.split('\n');
  const preamble: string[] = [];
  const sections: { heading: string; lines: string[] }[] = [];
  for (const line of lines) {
    if (line.startsWith('## ')) sections.push({ heading: line.trim(), lines: [line] });
    else if (sections.length === 0) preamble.push(line);
    else sections[sections.length - 1].lines.push(line);
  }
  const render = (text: string): string[] => `${text.trimEnd()}\n`.split('\n');
  for (const f of fresh) {
    const at = sections.findIndex((s) => s.heading === f.heading.trim());
    if (at >= 0) sections[at] = { heading: f.heading, lines: render(f.text) };
    else sections.push({ heading: f.heading, lines: render(f.text) });
  }
  const head = preamble.join('\n').trimEnd() || '# Benchmarks';
  return `${[head, ...sections.map((s) => s.lines.join('\n').trimEnd())].join('\n\n')}\n`;
}
