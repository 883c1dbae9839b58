import type { BINARY_OPS, REDUCE_OPS, UNARY_OPS } from './ops.js';

/**
 * Geometry of one 2-D convolution, in tfjs's `backend_util.Conv2DInfo` terms, as the 15 integers
 * `[n, inH, inW, inC, outH, outW, outC, fH, fW, strideH, strideW, dilH, dilW, padTop, padLeft]`.
 * Bottom/right padding is implied by `outH`/`outW` (positions past the input read as zero).
 */
export type ConvGeometry = readonly [
  n: number,
  inH: number,
  inW: number,
  inC: number,
  outH: number,
  outW: number,
  outC: number,
  fH: number,
  fW: number,
  strideH: number,
  strideW: number,
  dilH: number,
  dilW: number,
  padTop: number,
  padLeft: number,
];

/**
 * The native addon: float32 BLAS kernels and multi-threaded elementwise, reduction, layout and
 * optimizer kernels over typed-array views (zero-copy; views of the tfjs wasm heap work). Matrices
 * are row-major. Every call checks its arguments, computes every extent with overflow-checked
 * arithmetic and throws a `TypeError`/`RangeError` (code `ERR_PK_ARG`, `ERR_PK_BOUNDS`, `ERR_PK_LD`,
 * …) unless every element it touches lies inside each view; an offset must also lie within its view
 * (≤ its length) even when nothing is touched.
 *
 * Images are NHWC when `channelsLast` is true and NCHW otherwise; filters are always
 * `[fH, fW, inC, outC]` (tfjs's layout), and every image/filter array is contiguous from its offset.
 */
export interface TensorNativeAddon {
  /** Version of this call interface; the loader refuses an addon whose value differs. */
  readonly abiVersion: number;
  /** BLAS build string, e.g. `OpenBLAS 0.3.21 DYNAMIC_ARCH … MAX_THREADS=64`, or `Accelerate`. */
  readonly vendor: string;
  /**
   * Batched `C = alpha·op(A)·op(B) + beta·C` over the batch multi-index of `batchShape`: batch
   * element `idx` of X starts at `xOffset + Σ idx[i]·xBatchStrides[i]`. A zero stride broadcasts
   * that operand along the dimension. `op(A)` is m×k (stored k×m when `transA`), `op(B)` is k×n.
   * `batchShape = []` is a single sgemm.
   */
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
  /** `y = conv2d(x, w)`; `y` is overwritten. */
  conv2d(
    x: Float32Array,
    xOffset: number,
    w: Float32Array,
    wOffset: number,
    y: Float32Array,
    yOffset: number,
    geometry: ConvGeometry,
    channelsLast: boolean,
  ): void;
  /** `dx = ∂(Σ dy·conv2d(x, w))/∂x`; `dx` is overwritten. */
  conv2dBackpropInput(
    dy: Float32Array,
    dyOffset: number,
    w: Float32Array,
    wOffset: number,
    dx: Float32Array,
    dxOffset: number,
    geometry: ConvGeometry,
    channelsLast: boolean,
  ): void;
  /** `dw = ∂(Σ dy·conv2d(x, w))/∂w`; `dw` is overwritten. */
  conv2dBackpropFilter(
    x: Float32Array,
    xOffset: number,
    dy: Float32Array,
    dyOffset: number,
    dw: Float32Array,
    dwOffset: number,
    geometry: ConvGeometry,
    channelsLast: boolean,
  ): void;
  /**
   * Writes the column matrix `[n·outH·outW, fH·fW·inC]` of `x` (rows `(image, oh, ow)`, columns
   * `(kh, kw, c)`, zero where padded): multiplying it by the filter read as `[fH·fW·inC, outC]` is
   * the convolution.
   */
  im2col(
    x: Float32Array,
    xOffset: number,
    cols: Float32Array,
    colsOffset: number,
    geometry: ConvGeometry,
    channelsLast: boolean,
  ): void;
  /** Adds a column matrix back into images (`dx += col2im(cols)`), the adjoint of {@link im2col}. */
  col2im(
    cols: Float32Array,
    colsOffset: number,
    dx: Float32Array,
    dxOffset: number,
    geometry: ConvGeometry,
    channelsLast: boolean,
  ): void;
  /** BLAS threads in use (OpenBLAS), or 0 when the library manages threads itself (Accelerate). */
  getThreads(): number;
  /**
   * Sets the thread count of the OpenBLAS pool and of the elementwise kernels' pool (1–1024); returns
   * false when this BLAS has no runtime control (the elementwise pool is set all the same).
   */
  setThreads(threads: number): boolean;
  /** Processors OpenBLAS detected, or 0 when unknown. */
  numProcs(): number;
  /** Threads of the elementwise/reduction/optimizer kernels (starts at the BLAS count, or one per core). */
  kernelThreads(): number;
  /** The op codes of {@link unary}, {@link binary} and {@link reduce} by name (`native/ops.h`). */
  readonly opCodes: {
    readonly unary: Readonly<Record<keyof typeof UNARY_OPS, number>>;
    readonly binary: Readonly<Record<keyof typeof BINARY_OPS, number>>;
    readonly reduce: Readonly<Record<keyof typeof REDUCE_OPS, number>>;
  };

  /**
   * `y[i] = f(x[i])` for `n` elements, `f` one of {@link UNARY_OPS}; `alpha` is Step's value for
   * x ≤ 0 and LeakyRelu's slope (ignored otherwise). `x` and `y` may be the same view.
   */
  unary(
    op: number,
    x: Float32Array,
    xOffset: number,
    y: Float32Array,
    yOffset: number,
    n: number,
    alpha: number,
  ): void;
  /** `y[i] = x[i]` converted from int32 to float32. */
  castI32ToF32(x: Int32Array, xOffset: number, y: Float32Array, yOffset: number, n: number): void;
  /**
   * `c[idx] = a[Σ idx·aStrides] ∘ b[Σ idx·bStrides]` over every multi-index of `shape` (rank ≤ 8),
   * `c` contiguous, `∘` one of {@link BINARY_OPS}. A zero stride broadcasts that operand.
   */
  binary(
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
  /**
   * `y[o, i] = reduce_j x[o, j, i]` for `x` read as `[outer, n, inner]` and `y` as `[outer, inner]`,
   * `reduce` one of {@link REDUCE_OPS}. Sums accumulate in float64; `n = 0` gives the identity
   * (0, NaN for the mean, −∞ for max, +∞ for min); NaN propagates through max and min.
   */
  reduce(
    op: number,
    x: Float32Array,
    xOffset: number,
    y: Float32Array,
    yOffset: number,
    outer: number,
    n: number,
    inner: number,
  ): void;
  /** Row-wise softmax of `x` read as `[rows, cols]`: `exp(x − max) / Σ exp(x − max)`. */
  softmax(
    x: Float32Array,
    xOffset: number,
    y: Float32Array,
    yOffset: number,
    rows: number,
    cols: number,
  ): void;
  /** `y = transpose(x, perm)` for a contiguous `x` of `shape` (rank ≤ 8); both Float32Array or both Int32Array. */
  transpose<T extends Float32Array | Int32Array>(
    x: T,
    xOffset: number,
    y: T,
    yOffset: number,
    shape: readonly number[],
    perm: readonly number[],
  ): void;
  /**
   * `y[o, j, i] = x[o, indices[j], i]` for `x` read as `[outer, axis, inner]`. Returns −1, or the
   * position of the first index outside `[0, axis)` (then nothing is written).
   */
  gather<T extends Float32Array | Int32Array>(
    x: T,
    xOffset: number,
    indices: Int32Array,
    indicesOffset: number,
    y: T,
    yOffset: number,
    outer: number,
    nIndices: number,
    axis: number,
    inner: number,
  ): number;
  /**
   * `y[s, i] = Σ_{j : ids[j] = s} x[j, i]` for `x` read as `[n, inner]` and `y` as
   * `[numSegments, inner]` (overwritten); ids outside `[0, numSegments)` are dropped.
   */
  segmentSum(
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
  /**
   * One Adam/AdamW step over `n` elements in place, every scalar rounded to float32 first and every
   * operation rounded as the unfused chain of tfjs kernels rounds it: `g' = g + weightDecay·p`,
   * `m ← β₁m + (1−β₁)g'`, `v ← β₂v + (1−β₂)g'²`, `p ← p·decay − stepSize·m / (√v / sqrtBc2 + eps)`.
   */
  adamUpdate(
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
  /**
   * One momentum-SGD step (PyTorch semantics) in place: `g' = g + weightDecay·p`,
   * `buf ← first ? g' : μ·buf + (1 − dampening)·g'`, `p ← p − lr·(nesterov ? g' + μ·buf : buf)`.
   */
  momentumUpdate(
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

/** Why the addon is not available: `absent` (never built) or `broken` (built but unusable). */
export type LoadFailure = 'absent' | 'broken';

/** Outcome of {@link load}: the addon, or null with the kind of failure and a one-line reason. */
export type LoadResult =
  | {
      readonly addon: TensorNativeAddon;
      readonly failure: null;
      readonly reason: null;
      readonly path: string;
    }
  | { readonly addon: null; readonly failure: LoadFailure; readonly reason: string; readonly path: string };
