import { PaperkitInputError } from '@paperkit/tensor-core';

/**
 * The parameter `name` of `tensors`, or an error naming the config field that gave the name and the
 * names that exist (a layer list refers to parameters by name).
 */
export function parameterNamed<T>(tensors: Readonly<Record<string, T>>, name: string, field: string): T {
  const t = tensors[name];
  if (t === undefined)
    throw new PaperkitInputError(
      field,
      name,
      `one of the parameter names (${Object.keys(tensors).join(', ')})`,
    );
  return t;
}
