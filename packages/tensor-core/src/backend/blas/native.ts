import { importTensorNative } from '#node-addons';

/**
 * The slice of `@paperkit/tensor-native` the kernels use, typed here structurally so tensor-core
 * type-checks and runs whether or not the optional package is installed.
 */

/** `[n, inH, inW, inC, outH, outW, outC, fH, fW, strideH, strideW, dilH, dilW, padTop, padLeft]`. */
export type NativeConvGeometry = readonly number[];

/** The native kernels (see `TensorNativeAddon` in `@paperkit/tensor-native`). */
export interface NativeBlas {
  readonly vendor: string;
  sgemmBatched(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    aOffset: number,
    lda: number,
    b: Float32Array,
    bOffset: number,
    ldb: number,
    beta: number,
    c: Float32Array,
    cOffset: number,
    ldc: number,
    batchShape: readonly number[],
    aBatchStrides: readonly number[],
    bBatchStrides: readonly number[],
    cBatchStrides: readonly number[],
  ): void;
  conv2d(
    x: Float32Array,
    xOffset: number,
    w: Float32Array,
    wOffset: number,
    y: Float32Array,
    yOffset: number,
    geometry: NativeConvGeometry,
    channelsLast: boolean,
  ): void;
  conv2dBackpropInput(
    dy: Float32Array,
    dyOffset: number,
    w: Float32Array,
    wOffset: number,
    dx: Float32Array,
    dxOffset: number,
    geometry: NativeConvGeometry,
    channelsLast: boolean,
  ): void;
  conv2dBackpropFilter(
    x: Float32Array,
    xOffset: number,
    dy: Float32Array,
    dyOffset: number,
    dw: Float32Array,
    dwOffset: number,
    geometry: NativeConvGeometry,
    channelsLast: boolean,
  ): void;
  getThreads(): number;
  setThreads(threads: number): boolean;
  /** The elementwise/reduction/optimizer kernels below: absent from addons built before them. */
  kernelThreads?(): number;
  /** Op codes of `unary`, `binary` and `reduce` by name. */
  readonly opCodes?: {
    readonly unary: Readonly<Record<string, number>>;
    readonly binary: Readonly<Record<string, number>>;
    readonly reduce: Readonly<Record<string, number>>;
  };
  unary?(
    op: number,
    x: Float32Array,
    xOffset: number,
    y: Float32Array,
    yOffset: number,
    n: number,
    alpha: number,
  ): void;
  castI32ToF32?(x: Int32Array, xOffset: number, y: Float32Array, yOffset: number, n: number): void;
  binary?(
    op: number,
    a: Float32Array,
    aOffset: number,
    aStrides: readonly number[],
    b: Float32Array,
    bOffset: number,
    bStrides: readonly number[],
    c: Float32Array,
    cOffset: number,
    shape: readonly number[],
  ): void;
  reduce?(
    op: number,
    x: Float32Array,
    xOffset: number,
    y: Float32Array,
    yOffset: number,
    outer: number,
    n: number,
    inner: number,
  ): void;
  softmax?(
    x: Float32Array,
    xOffset: number,
    y: Float32Array,
    yOffset: number,
    rows: number,
    cols: number,
  ): void;
  transpose?(
    x: Float32Array | Int32Array,
    xOffset: number,
    y: Float32Array | Int32Array,
    yOffset: number,
    shape: readonly number[],
    perm: readonly number[],
  ): void;
  gather?(
    x: Float32Array | Int32Array,
    xOffset: number,
    indices: Int32Array,
    indicesOffset: number,
    y: Float32Array | Int32Array,
    yOffset: number,
    outer: number,
    nIndices: number,
    axis: number,
    inner: number,
  ): number;
  segmentSum?(
    x: Float32Array,
    xOffset: number,
    segmentIds: Int32Array,
    idsOffset: number,
    y: Float32Array,
    yOffset: number,
    n: number,
    numSegments: number,
    inner: number,
  ): void;
  adamUpdate?(
    p: Float32Array,
    pOffset: number,
    g: Float32Array,
    gOffset: number,
    m: Float32Array,
    mOffset: number,
    v: Float32Array,
    vOffset: number,
    n: number,
    stepSize: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    sqrtBc2: number,
    eps: number,
    weightDecay: number,
    decay: number,
  ): void;
  momentumUpdate?(
    p: Float32Array,
    pOffset: number,
    g: Float32Array,
    gOffset: number,
    buf: Float32Array,
    bufOffset: number,
    n: number,
    lr: number,
    momentum: number,
    oneMinusDampening: number,
    weightDecay: number,
    first: boolean,
    nesterov: boolean,
  ): void;
}

/** The addon with the elementwise, reduction, layout and optimizer kernels (see {@link hasNativeOps}). */
export type NativeOps = Required<NativeBlas>;

/** Whether the loaded addon has the elementwise kernels (an older build has only the BLAS ones). */
export function hasNativeOps(addon: NativeBlas | null): addon is NativeOps {
  return (
    addon !== null &&
    typeof addon.unary === 'function' &&
    typeof addon.binary === 'function' &&
    typeof addon.reduce === 'function' &&
    typeof addon.adamUpdate === 'function' &&
    typeof addon.opCodes === 'object'
  );
}

/** Whether the addon could be used: `available`, never installed/built (`absent`), or `broken`. */
export type NativeState = 'available' | 'absent' | 'broken';

/** Result of probing the optional package once per process. */
export interface NativeProbe {
  readonly state: NativeState;
  readonly addon: NativeBlas | null;
  /** One line saying why the addon is not available; null when it is. */
  readonly reason: string | null;
}

interface NativeModule {
  load(): { addon: NativeBlas | null; failure: 'absent' | 'broken' | null; reason: string | null };
}

let probe: Promise<NativeProbe> | null = null;
let settled: NativeProbe | null = null;

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n').find((l) => l.trim().length > 0) ?? text;
}

async function doProbe(): Promise<NativeProbe> {
  let mod: NativeModule | null;
  try {
    // Optional peer, imported through `#node-addons` so browser bundles never reference it.
    mod = (await importTensorNative()) as NativeModule | null;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (
      code === 'ERR_MODULE_NOT_FOUND' &&
      String((err as Error).message).includes('@paperkit/tensor-native')
    ) {
      return { state: 'absent', addon: null, reason: '@paperkit/tensor-native is not installed' };
    }
    return {
      state: 'broken',
      addon: null,
      reason: `@paperkit/tensor-native failed to import: ${firstLine(err)}`,
    };
  }
  if (mod === null)
    return { state: 'absent', addon: null, reason: '@paperkit/tensor-native needs Node (a native addon)' };
  try {
    const res = mod.load();
    if (res.addon) return { state: 'available', addon: res.addon, reason: null };
    return { state: res.failure ?? 'broken', addon: null, reason: res.reason ?? 'unknown reason' };
  } catch (err) {
    return {
      state: 'broken',
      addon: null,
      reason: `@paperkit/tensor-native load() threw: ${firstLine(err)}`,
    };
  }
}

/** Imports and self-tests the addon on first call; later calls return the same answer. */
export function probeNative(): Promise<NativeProbe> {
  if (!probe) {
    probe = doProbe().then((p) => {
      settled = p;
      return p;
    });
  }
  return probe;
}

/**
 * Replaces the probe's answer (null: probe again on next use). A test seam: it lets the tests drive
 * the absent/broken paths on a machine where the addon works. Not part of the public API.
 */
export function overrideProbe(p: NativeProbe | null): void {
  settled = p;
  probe = p ? Promise.resolve(p) : null;
}

/** The probe's answer if it has finished, else null (for synchronous status reports). */
export function settledProbe(): NativeProbe | null {
  return settled;
}
