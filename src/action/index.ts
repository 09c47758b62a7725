import { useHttpEnvironment } from '../http/environment.js';
import { run } from './main.js';

useHttpEnvironment(process.env); // proxies, for every request (see src/http)

await run();
