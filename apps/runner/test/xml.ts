/**
 * A strict well-formedness check for the XML subset our SVGs use (elements, double-quoted attributes,
 * text with the five predefined entities and numeric references). Returns the element names in
 * document order; throws on any violation.
 */
export function parseXml(src: string): string[] {
  const names: string[] = [];
  const stack: string[] = [];
  const entity = /&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/y;
  const checkText = (t: string) => {
    for (let i = 0; i < t.length; i++) {
      if (t[i] === '<') throw new Error(`stray '<' in text at ${i}`);
      if (t[i] === '&') {
        entity.lastIndex = i;
        if (!entity.test(t)) throw new Error(`bad entity in text: ${t.slice(i, i + 10)}`);
      }
    }
  };
  let i = 0;
  let roots = 0;
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const textPart = lt < 0 ? src.slice(i) : src.slice(i, lt);
    if (stack.length === 0 && textPart.trim() !== '') throw new Error('text outside the root element');
    checkText(textPart);
    if (lt < 0) break;
    const gt = src.indexOf('>', lt);
    if (gt < 0) throw new Error('unterminated tag');
    const tag = src.slice(lt + 1, gt);
    const close = /^\/([A-Za-z][\w:.-]*)\s*$/.exec(tag);
    if (close) {
      const open = stack.pop();
      if (open !== close[1]) throw new Error(`</${close[1]}> closes <${open}>`);
    } else {
      const m = /^([A-Za-z][\w:.-]*)((?:\s+[A-Za-z_:][\w:.-]*="[^"<]*")*)\s*(\/?)$/.exec(tag);
      if (!m) throw new Error(`malformed tag <${tag.slice(0, 60)}>`);
      const attrs = [...m[2]!.matchAll(/([A-Za-z_:][\w:.-]*)="([^"]*)"/g)];
      const seen = new Set<string>();
      for (const a of attrs) {
        if (seen.has(a[1]!)) throw new Error(`duplicate attribute ${a[1]} on <${m[1]}>`);
        seen.add(a[1]!);
        checkText(a[2]!);
      }
      if (stack.length === 0 && ++roots > 1) throw new Error('more than one root element');
      names.push(m[1]!);
      if (m[3] !== '/') stack.push(m[1]!);
    }
    i = gt + 1;
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.at(-1)}>`);
  if (roots !== 1) throw new Error('no root element');
  return names;
}

/** Text content of every <text> element, entities decoded. */
export function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1]!
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&'),
  );
}
