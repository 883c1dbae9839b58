import type { CommandName } from './args.js';

const MAIN = `paperkit — run, list and report the experiments of the paperkit papers

Usage:
  paperkit list                         experiments grouped by paper (* = headline)
  paperkit run <experiment…> [flags]    run experiments into run folders
  paperkit report [--out DIR]           gather run folders into DIR/report.html, report.md, results.csv
  paperkit repro [flags]                every package's headline experiment at its quick preset, then the report
  paperkit sweep <experiment…> [flags]  experiments × --grid settings × seeds on a local pool or a Redis queue
  paperkit worker --queue URL [flags]   serve a distributed sweep's jobs on this machine
  paperkit readme <file…> [--out DIR]   rewrite a README's results blocks from run folders
  paperkit clean [--out DIR]            remove attempts left behind by a killed run or a full disk
  paperkit help <command>               flags of one command

Exit codes: 0 ok, 1 a run failed, 2 bad input, 130 stopped by Ctrl-C.`;

const EXEC_FLAGS = `  --seed N              one seed
  --seeds N             seeds 0..N-1 (default: the experiment's count for the preset, usually 3;
                        a deterministic experiment runs one)
  --force               recompute runs whose completed folder exists (default: reuse them)
  --out DIR             output root (default ./runs)
  --backend NAME        auto | tensorflow | wasm | cpu (default auto: tensorflow → wasm → cpu)
  --no-blas             keep tfjs's stock kernels (initBackend blas: 'off'), for A/B timing
  --in-process          run experiments on the main thread, not in a worker thread (debugging;
                        Ctrl-C then waits for the experiment to reach its event loop)
  --registry FILE|URL   use the experiments of this module (exporting \`packages\` or \`experiments\`)
                        instead of the installed packages`;

const TOPICS: Record<CommandName, string> = {
  help: MAIN,
  list: `paperkit list

Lists every registered experiment, grouped by paper, one line each. * marks the headline experiment
that 'paperkit repro' runs.`,
  run: `paperkit run <experiment…> [flags]

Runs each experiment's cells at each seed into <out>/<experiment id>/<config hash8>/<backend>/seed-<n>/,
then aggregates that folder's completed seeds: statistics, claims judged on the 95% interval across
seeds (holds / fails / inconclusive), results.csv and plots. A completed run of the same config, seed
and backend is reused; an interrupted one lends its completed cells, so a rerun finishes only the rest.

Flags:
  --preset NAME         quick | full | any other preset the experiment defines (default quick)
  --set key=value       override one config key (repeatable); values parse as JSON when they can
                        (3, 1e-3, true, [128,64]), otherwise as strings
${EXEC_FLAGS}

Runs execute in a worker thread. Ctrl-C stops the run at its next abort check (or after
10 s, terminating its thread) and leaves a folder with status 'aborted'; a second Ctrl-C exits at once.`,
  report: `paperkit report [--out DIR]

Writes DIR/report.html (self-contained, plots inline), DIR/report.md (plots as PNG links) and
DIR/results.csv (every statistic, long form) from every run folder under DIR (default ./runs).
Damaged folders are skipped with one warning each; nothing in a folder is trusted.`,
  sweep: `paperkit sweep <experiment…> [flags]

Expands experiments × grid settings × seeds into jobs (one job = one run: config + seed), skips jobs
whose completed run folder exists, runs the rest, then aggregates every group it touched.

Flags:
  --preset NAME         preset of every experiment (default quick)
  --grid key=v1,v2      sweep a config key (repeatable; values parse as JSON: --grid lr=0.1,0.01
                        --grid hidden=[64],[128,64]); every config of the product is run
  --seeds N | --seed-list 0,3,7 | --seed N
                        seeds (default: each experiment's count for the preset)
  --workers K           local worker processes (default: the core count)
  --queue URL           distribute through BullMQ on Redis (redis://[:password@]host:port/db)
                        instead of local processes; start 'paperkit worker --queue URL' anywhere
  --attempts N          attempts per job before the dead-letter list (queue mode; default 3)
  --out DIR             output root (default ./runs)
  --backend NAME, --no-blas, --force   as for 'paperkit run'

Ctrl-C stops the sweep; finished run folders stay valid and a rerun completes exactly the rest.

Redis is a service you run; paperkit never starts one. One line each:
  docker run --rm -p 127.0.0.1:6379:6379 redis:7 --save '' --requirepass SECRET
  redis-server --bind 127.0.0.1 --port 6379 --save '' --requirepass SECRET     (Debian: apt install redis-server)
Security: bind Redis to localhost or a private network, set a password and pass it in the URL
(redis://:SECRET@host:6379/0); anyone who can write to the queue can make workers run experiments.`,
  worker: `paperkit worker --queue URL [flags]

Serves the jobs of distributed sweeps until Ctrl-C: runs each in a private temp folder with the same
isolation as 'paperkit run' and returns the run folder (compressed) to the coordinator. A worker whose
paperkit version differs from the coordinator's is refused. A job that fails is retried with backoff;
a worker killed mid-job loses its lock and the job is re-queued.

Flags:
  --queue URL           redis://[:password@]host:port/db (required)
  --concurrency C       jobs at a time on this machine (default 1; each has its own worker thread)
  --timeout S           abort and retry a job running longer than S seconds (default 3600)
  --backend NAME, --no-blas   as for 'paperkit run'`,
  readme: `paperkit readme <file…> [--out DIR]

Rewrites every block between '<!-- results: <experiment> [preset=NAME] [backend=ID] -->' and
'<!-- /results -->' in each Markdown file with the claims and results of the newest completed group of
that experiment under DIR (default ./runs), naming the preset, seeds and backend. README numbers are
never typed by hand.`,
  clean: `paperkit clean [--out DIR]

Removes the hidden attempt folders and temp files that a killed process or a full disk left under DIR
(default ./runs). Completed, failed and aborted runs are kept.`,
  repro: `paperkit repro [flags]

Runs every package's headline experiment at its quick preset, then writes the report. The runs share
a pool of worker processes, one per core, each with its share of the BLAS threads.

Flags:
${EXEC_FLAGS}
  --workers N           local worker processes (default: one per core; 1 runs one after another
                        in a worker thread and prints a line per seed)`,
};

/** Help text for the whole CLI or one command. */
export function helpText(topic: CommandName | null): string {
  return `${topic ? TOPICS[topic] : MAIN}\n`;
}
