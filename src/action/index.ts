import { useHttpEnvironment } from '../util/http/environment.js';
import { run } from './main.js';

useHttpEnvironment(process.env); // proxies, for every request (see src/util/http)

await run();
