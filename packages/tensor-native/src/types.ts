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
 * The native addon: float32 BLAS kernels over `Float32Array` views (zero-copy; views of the tfjs
 * wasm heap work). Matrices are row-major; every call checks that the extent it touches lies inside
 * each view and throws a `RangeError` (code `ERR_PK_BOUNDS`, `ERR_PK_LD`, …) otherwise.
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
  /** Sets the OpenBLAS thread count (1–1024); returns false when this BLAS has no runtime control. */
  setThreads(threads: number): boolean;
  /** Processors OpenBLAS detected, or 0 when unknown. */
  numProcs(): number;
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
