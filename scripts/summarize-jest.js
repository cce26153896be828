// Prints the plain closing line CI reads ("N passed, N failed, N skipped") from jest --json reports.
// Exits 1 when a report is missing or no test ran at all: a run that tested nothing is a failure.
const fs = require('node:fs');
let passed = 0,
  failed = 0,
  skipped = 0,
  suitesFailed = 0;
for (const file of process.argv.slice(2)) {
  if (!fs.existsSync(file)) {
    console.error(`missing jest report ${file}`);
    process.exitCode = 1;
    continue;
  }
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests || 0);
  suitesFailed += r.numFailedTestSuites;
}
if (suitesFailed && !failed) failed = suitesFailed; // a suite that failed to load counts
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed || passed === 0) process.exitCode = 1;
