// Pure (no Node imports): the browser playground writes the same cell files into its run-folder zip.
import { type CellResult, cellSlug } from '@paperkit/tensor-core';

/** `cells/<slug>.json`: one completed cell of a run, written as soon as it completes. */
export interface CellFile {
  readonly key: string;
  readonly label: string;
  readonly params: Readonly<Record<string, string | number | boolean>>;
  readonly result: CellResult;
  readonly wallMs: number;
}

/** The file name of a cell. */
export function cellFileName(key: string): string {
  return `cells/${cellSlug(key)}.json`;
}
