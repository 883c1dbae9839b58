import { PaperkitInputError } from '../validate/errors.js';

/** The paper an experiment reproduces, declared once per package and formatted by the runner. */
export interface PaperRef {
  readonly title: string;
  /** Authors as printed, e.g. "Sohrabi, Ramirez, Zhang, Lacoste-Julien, Gallego-Posada". */
  readonly authors: string;
  /** Venue, e.g. "ICML 2024" or "arXiv". */
  readonly venue: string;
  readonly year: number;
  /** arXiv/OpenReview/DOI address. */
  readonly url?: string;
}

/** Checks a {@link PaperRef}; `where` names the declaring experiment in the error. */
export function checkPaperRef(where: string, p: PaperRef): PaperRef {
  if (p === null || typeof p !== 'object')
    throw new PaperkitInputError(`${where}.paper`, p, 'a PaperRef { title, authors, venue, year }');
  for (const k of ['title', 'authors', 'venue'] as const)
    if (typeof p[k] !== 'string' || p[k].trim() === '')
      throw new PaperkitInputError(`${where}.paper.${k}`, p[k], 'a non-empty string');
  if (!Number.isInteger(p.year) || p.year < 1900 || p.year > 2100)
    throw new PaperkitInputError(`${where}.paper.year`, p.year, 'a year between 1900 and 2100');
  return p;
}

/** "Authors (Venue Year). Title." with the address when there is one. */
export function formatCitation(p: PaperRef): string {
  return `${p.authors} (${p.venue}${p.venue.includes(String(p.year)) ? '' : ` ${p.year}`}). ${p.title}.${p.url ? ` ${p.url}` : ''}`;
}
