// The experiment thread of a playground page: loads the page's package, describes its experiments,
// validates configs with their schemas and runs them with tensor-core's engine, so the page's own
// thread only renders. One run at a time; Stop aborts it at the next abort point (the page terminates
// this worker if that takes too long).
import './immediate.js';
import {
  type BackendInfo,
  type BackendPreference,
  type Experiment,
  initBackend,
} from '@paperkit/tensor-core';
import type { FromWorker, PackageMeta, RunRequest, ToWorker } from '../shared/protocol.js';
import { type LazyPackage, lazyPackages } from '../shared/registry.js';
import { registerCheckpointSource } from './checkpoints.js';
import { describeExperiment, validateConfig } from './describe.js';
import { configHash, runSeeds } from './run.js';

// The DOM lib types `self` as a Window; a worker scope only needs these two members here.
const scope = self as unknown as {
  postMessage(m: FromWorker): void;
  onmessage: ((ev: MessageEvent<ToWorker>) => void) | null;
};
const post = (m: FromWorker) => scope.postMessage(m);

let settings: { backend: BackendPreference; wasmBase: string; checkpointBase: string } | null = null;
let backend: Promise<BackendInfo> | null = null;
const loaded = new Map<string, Promise<readonly Experiment[]>>();
let current: AbortController | null = null;

function errorText(err: unknown): string {
  return err instanceof Error
    ? `${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}`
    : String(err);
}

async function startBackend(): Promise<BackendInfo> {
  if (!settings) throw new Error('the worker was not initialised');
  const prefer = settings.backend;
  // webgpu and webgl register only when their packages are imported (tensor-core's initBackend).
  if (prefer === 'auto' || prefer === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  if (prefer === 'auto' || prefer === 'webgl') await import('@tensorflow/tfjs-backend-webgl');
  return initBackend({ prefer, blas: 'off', wasmPaths: settings.wasmBase });
}

function findPackage(name: string): LazyPackage {
  const p = lazyPackages.find((x) => x.name === name);
  if (!p) throw new Error(`'${name}' is not in the runner's registry`);
  return p;
}

function experimentsOf(p: LazyPackage): Promise<readonly Experiment[]> {
  let e = loaded.get(p.name);
  if (!e) {
    e = p.loadModule().then(async (mod) => {
      await registerCheckpointSource(p, mod, settings?.checkpointBase ?? '');
      return mod.experiments;
    });
    loaded.set(p.name, e);
  }
  return e;
}

async function describe(name: string): Promise<PackageMeta> {
  const p = lazyPackages.find((x) => x.name === name);
  if (!p) return { ok: false, name, version: '0.0.0', error: `'${name}' is not in the runner's registry` };
  try {
    const experiments = await experimentsOf(p);
    return { ok: true, name, version: p.version, experiments: experiments.map(describeExperiment) };
  } catch (err) {
    return { ok: false, name, version: p.version, error: errorText(err) };
  }
}

async function run(req: RunRequest): Promise<void> {
  const controller = new AbortController();
  current = controller;
  try {
    const e = (await experimentsOf(findPackage(req.pkg))).find((x) => x.id === req.experiment);
    if (!e) throw new Error(`experiment '${req.experiment}' is not in ${req.pkg}`);
    const v = validateConfig(e, req.preset, req.overrides);
    if (!v.ok) {
      post({ type: 'invalid', runId: req.runId, errors: v.errors });
      return;
    }
    backend ??= startBackend();
    const info = await backend;
    post({
      type: 'started',
      runId: req.runId,
      config: v.config,
      configHash: await configHash(v.config),
      cells: e.cells(v.config as never).length,
    });
    await runSeeds(e, v.config, req, info, controller.signal, post);
  } catch (err) {
    if (controller.signal.aborted || (err instanceof Error && err.name === 'AbortError'))
      post({ type: 'aborted', runId: req.runId });
    else post({ type: 'failed', runId: req.runId, error: errorText(err) });
  } finally {
    if (current === controller) current = null;
  }
}

scope.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  switch (m.type) {
    case 'init':
      settings = { backend: m.backend, wasmBase: m.wasmBase, checkpointBase: m.checkpointBase };
      backend = startBackend();
      backend.then(
        (info) => post({ type: 'ready', backend: info }),
        (err) => {
          backend = null;
          post({ type: 'init-failed', error: errorText(err) });
        },
      );
      break;
    case 'describe':
      void describe(m.pkg).then((meta) => post({ type: 'described', meta }));
      break;
    case 'run':
      void run(m);
      break;
    case 'stop':
      current?.abort();
      break;
  }
};
