'use strict';
/**
 * Preloaded into the service by the fault test (`node --expose-gc -r scripts/faults.gc.js`): SIGUSR2
 * runs a full garbage collection, so resident memory is compared between two collected heaps rather
 * than between two moments of V8's lazy collection.
 */
process.on('SIGUSR2', () => global.gc?.());
