// Prints the plain closing line CI reads ("N passed, N failed, N skipped") from jest --json reports.
// Exits 1 when a report is missing or no test ran at all: a run that tested nothing is a failure.
// `--failures`: instead, each failed test (or suite that failed to run) with the head of its message, so the
// last lines of a failed run's output say what failed (CI may keep only the ends of a long log).
const fs = require('node:fs');
const args = process.argv.slice(2);
if (args[0] === '--failures') {
  const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'); // colour codes of jest's messages
  const strip = (s) => s.replace(ansi, '');
  const head = (msg, n) =>
    strip(msg)
      .split('\n')
      .slice(0, n)
      .map((l) => `      ${l}`)
      .join('\n');
  let shown = 0;
  for (const file of args.slice(1)) {
    if (!fs.existsSync(file)) continue;
    const r = JSON.parse(fs.readFileSync(file, 'utf8'));
    for (const suite of r.testResults || []) {
      const name = suite.name.replace(process.cwd() + '/', '');
      const failed = (suite.assertionResults || []).filter((a) => a.status === 'failed');
      if (suite.status === 'failed' && failed.length === 0) {
        console.log(`FAILED suite ${name}\n${head(suite.message || '(no message)', 25)}`);
        shown++;
      }
      for (const a of failed) {
        console.log(`FAILED ${name} › ${a.fullName}\n${head((a.failureMessages || []).join('\n'), 25)}`);
        shown++;
      }
    }
  }
  if (shown) console.log(`(${shown} failure(s); the full messages are in the jest output above and in reports/)`);
  process.exit(0);
}
let passed = 0,
  failed = 0,
  skipped = 0,
  suitesFailed = 0;
for (const file of args) {
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
