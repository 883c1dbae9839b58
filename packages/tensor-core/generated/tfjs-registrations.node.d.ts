// The types of the chained ops the generated module registers (see scripts/tfjs-registrations.mjs).
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
