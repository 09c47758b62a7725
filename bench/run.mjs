// `npm run bench`: rebuilds dist/ (the benchmarks time the bundled CLI, as users run it), then update, build and
// push; `npm run bench -- NAME...` runs bench/NAME.mjs instead (also scale and sizes, which the default leaves out).
import { execFileSync } from 'node:child_process';

execFileSync(process.execPath, ['scripts/bundle.mjs'], { stdio: 'inherit' });
console.error(`# node ${process.version}`);
const which = process.argv.slice(2);
for (const name of which.length ? which : ['update', 'build', 'push']) {
  execFileSync(process.execPath, [`bench/${name}.mjs`], { stdio: 'inherit' });
}
