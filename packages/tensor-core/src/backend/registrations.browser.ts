/**
 * What `#tfjs-registrations` is for bundlers and browsers: tfjs-core's own gradient configs and chained
 * tensor ops (`x.square()`), the side effects the `@tensorflow/tfjs` umbrella adds to tfjs-core. Node
 * cannot load these ES modules (extension-less relative imports), so Node gets the generated
 * `generated/tfjs-registrations.node.js` instead (scripts/tfjs-registrations.mjs says how and why).
 * @module
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
