/** Public API of the resolver: build a per-arch universe from parsed indices, then resolve image closures. */
export { buildUniverse, Universe } from './universe.js';
export { PackedNames } from './names.js';
export type { PackageRelations, Provider, UniverseSource } from './universe.js';
export { resolve } from './resolver.js';
export type { ExcludedPackage, Resolution, ResolvedPackage, ResolveRequest } from './resolver.js';
