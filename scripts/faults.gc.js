'use strict';
/**
 * Preloaded into the service by the fault test (`node --expose-gc -r scripts/faults.gc.js`): SIGUSR2
 * runs a full garbage collection and writes the live heap after it to FAULTS_HEAP_FILE, so that a leak is
 * read from what survives a collection, not from resident memory (which V8 keeps once it has grown, e.g.
 * for the requests queued during the outage).
 */
const fs = require('node:fs');

process.on('SIGUSR2', () => {
  global.gc?.();
  const file = process.env.FAULTS_HEAP_FILE;
  if (file) fs.writeFileSync(file, String(process.memoryUsage().heapUsed));
});
