/**
 * The dependency rules of docs/architecture.md, checked by `npm run lint:deps` (and CI):
 * core ← features ← server.ts, each feature reached from outside only through its index.ts,
 * no cycles between files or folders, no repository or table type in a route.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-file-cycles',
      severity: 'error',
      comment: 'A cycle between files: one of them should not know the other.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      severity: 'error',
      comment: 'A cycle between folders: the layering core ← features ← server.ts is broken.',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-knows-no-feature',
      severity: 'error',
      comment: 'core/ is what every feature shares; it never reaches into a feature, the SDK, the web client or the composition root.',
      from: { path: '^src/core/' },
      to: { path: '^src/(features|sdk|web|cli)/|^src/(server|main|run-server)\\.ts$' },
    },
    {
      name: 'features-do-not-wire',
      severity: 'error',
      comment: 'Only server.ts composes features; a feature never imports the root, the SDK, the web client or the CLI.',
      from: { path: '^src/features/' },
      to: { path: '^src/(sdk|web|cli)/|^src/(server|main|run-server)\\.ts$' },
    },
    {
      name: 'features-meet-through-their-index',
      severity: 'error',
      comment: "Another feature's internals are its own: import what its index.ts exports.",
      from: { path: '^src/features/([^/]+)/' },
      to: { path: '^src/features/([^/]+)/(?!index\\.ts$)', pathNot: '^src/features/$1/' },
    },
    {
      name: 'no-repository-in-a-route',
      severity: 'error',
      comment: 'Routes call services; records and SQL stay behind the repository.',
      from: { path: '-routes\\.ts$' },
      to: { path: '-(repository|tables)\\.ts$' },
    },
    {
      name: 'clients-take-types-only',
      severity: 'error',
      comment: 'The SDK and the web client take shapes (types) from the server, never its code.',
      from: { path: '^src/(sdk|web)/' },
      to: { path: '^src/(features|server\\.ts)', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'clients-need-no-server-core',
      severity: 'error',
      comment: 'The browser bundle may use the pure VFX rules from core, nothing that runs the server.',
      from: { path: '^src/(sdk|web)/' },
      to: { path: '^src/core/', pathNot: '^src/core/vfx/' },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: "A source file nothing imports is dead code (but the web client's public files, loaded by URL: the service worker).",
      from: { orphan: true, path: '^src/', pathNot: '^src/main\\.ts$|\\.d\\.ts$|^src/web/public/' },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^dist/' },
  },
}
