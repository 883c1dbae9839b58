/** Command-line options of the bench. */
export interface BenchOptions {
  /** Tiny sizes and short time budgets: checks that every case starts (CI). */
  readonly quick: boolean;
  /** Write the results as JSON to this file. */
  readonly json: string | null;
  /** Case-name substrings (case-insensitive); a case runs if it contains any. Empty: all. */
  readonly filter: readonly string[];
  /** Setups to run (`cpu`, `wasm-tfjs`, `wasm`, `cpu+blas`, `wasm+blas`); empty: every available one. */
  readonly setups: readonly string[];
  /** BLAS threads; null keeps OpenBLAS's default (one per core, or OPENBLAS_NUM_THREADS). */
  readonly threads: number | null;
  /** Which Adam the training cases use. */
  readonly optimizer: 'tfjs' | 'paperkit';
  /** JSON file with PyTorch's ms for the native-kernel comparisons (see native-kernels.ts). */
  readonly torchMs: string | null;
  /** Print the per-kernel profile of a transformer step before and after the native kernels. */
  readonly profile: boolean;
  readonly help: boolean;
}

export const USAGE = `usage: node apps/bench/dist/main.js [options]   (or: pnpm bench -- [options])

  --quick              tiny sizes, short budgets (CI uses it to check every case starts)
  --json FILE          also write the results as JSON to FILE
  --filter A,B         run only cases whose name contains A or B (case-insensitive), e.g. matmul,mlp
  --setups A,B         run only these setups: cpu, wasm-tfjs (tfjs's own kernels), wasm, cpu+blas,
                       wasm+blas (default: all available)
  --threads N          BLAS threads (default: OpenBLAS's, one per core unless OPENBLAS_NUM_THREADS is set)
  --optimizer NAME     Adam of the training cases: paperkit (tensor-core's, default) or tfjs (tf.train.adam)
  --torch-ms FILE      PyTorch CPU ms for the native-kernel comparisons, as JSON
                       { "version": "1.13.1, 2 threads", "adam1M": 1.6, "transformer093AdamW": 87,
                         "tinyTransformer": 20, "mlp": 2.9 } (any subset; the rest reads "not measured")
  --profile            per-kernel time of a transformer AdamW step, before and after the native kernels
  --help               this text`;

/** Thrown for a bad command line; main prints it with the usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const SETUPS = ['cpu', 'wasm-tfjs', 'wasm', 'cpu+blas', 'wasm+blas'];

/** Parses `argv` (without node and script). */
export function parseArgs(argv: readonly string[]): BenchOptions {
  let quick = false;
  let json: string | null = null;
  let filter: string[] = [];
  let setups: string[] = [];
  let threads: number | null = null;
  let optimizer: 'tfjs' | 'paperkit' = 'paperkit';
  let torchMs: string | null = null;
  let profile = false;
  let help = false;
  const list = (v: string) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--quick':
        quick = true;
        break;
      case '--json':
        json = value();
        break;
      case '--filter':
        filter = list(value()).map((s) => s.toLowerCase());
        break;
      case '--setups': {
        setups = list(value());
        const bad = setups.filter((s) => !SETUPS.includes(s));
        if (bad.length > 0)
          throw new UsageError(`--setups must be among ${SETUPS.join(', ')}; got ${bad.join(', ')}`);
        break;
      }
      case '--threads': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 1024)
          throw new UsageError(`--threads must be an integer in [1, 1024]; got ${v}`);
        threads = n;
        break;
      }
      case '--optimizer': {
        const v = value();
        if (v !== 'tfjs' && v !== 'paperkit')
          throw new UsageError(`--optimizer must be tfjs or paperkit; got ${v}`);
        optimizer = v;
        break;
      }
      case '--torch-ms':
        torchMs = value();
        break;
      case '--profile':
        profile = true;
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new UsageError(`unknown option ${arg}`);
    }
  }
  return { quick, json, filter, setups, threads, optimizer, torchMs, profile, help };
}
