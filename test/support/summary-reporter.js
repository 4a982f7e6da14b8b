'use strict';
const { record, totalsLine } = require('../../scripts/test-results');

/**
 * Ends the run with one plain line, `tests: N passed, N failed, N skipped`, and records the counts
 * (scripts/test-results.js) so that CI can add them to its other checks. Under CI's aggregation
 * (TEST_RESULTS_NAME set) the line is worded apart, since only CI's own last line is the totals.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const counts = {
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
    };
    const name = process.env.TEST_RESULTS_NAME;
    record(name || 'jest', counts);
    process.stdout.write(
      name
        ? `\n${name}: counted ${counts.passed} tests as passed, ${counts.failed} as failed, ${counts.skipped} as skipped\n`
        : `\n${totalsLine(counts)}\n`,
    );
  }
}

module.exports = SummaryReporter;
