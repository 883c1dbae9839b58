/**
 * The registry module of an installed CLI (no monorepo registry beside it): the experiments of the
 * `@paperkit/*` packages installed in the folder named by this module URL's `cwd` query (default the
 * process's). Worker threads and sweep children import it by URL, as they import `--registry` files.
 * @module
 */
import { discoverPackages } from './discover.js';

const cwd = new URL(import.meta.url).searchParams.get('cwd') ?? process.cwd();
const found = await discoverPackages(cwd);

/** The installed experiment packages. */
export const packages = found.packages;
/** All their experiments, package by package. */
export const experiments = packages.flatMap((p) => p.experiments);
