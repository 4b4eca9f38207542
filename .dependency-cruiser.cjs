/**
 * The layer rules of lib/ (README, "How it is built"). A layer imports only layers below it; checked by `npm test`.
 * From the bottom: errors/log/defaults → pdu, dataset → pdv → association → dimse → dcmtk (DCMTK's log formats and
 * file names, which only renders) → received-object → services, stages, sinks → archive (our own archive) → cli.
 */
const layer = (name) => `^lib/${name}(/|\\.ts$)`;
const below = (names) => names.map(layer).join('|');

/** For each layer, what it may never import (everything above it). */
const ABOVE = {
  pdu: ['pdv', 'association', 'dimse', 'dataset', 'received-object', 'services', 'stages', 'sinks', 'archive', 'dcmtk', 'cli'],
  dataset: ['pdu', 'pdv', 'association', 'dimse', 'received-object', 'services', 'stages', 'sinks', 'archive', 'dcmtk', 'cli'],
  pdv: ['association', 'dimse', 'received-object', 'services', 'stages', 'sinks', 'archive', 'dcmtk', 'cli'],
  association: ['dimse', 'received-object', 'services', 'stages', 'sinks', 'archive', 'dcmtk', 'cli'],
  dimse: ['received-object', 'services', 'stages', 'sinks', 'archive', 'dcmtk', 'cli'],
  'received-object': ['services', 'stages', 'sinks', 'archive', 'dcmtk', 'cli'],
  // Services emit typed events; the CLI renders DCMTK's lines from them (lib/cli/retrieve-log.ts).
  services: ['dcmtk', 'stages', 'sinks', 'archive', 'cli'],
  stages: ['services', 'sinks', 'archive', 'dcmtk', 'cli'],
  // Sinks name files as DCMTK does and log its parser warnings as they read a data set (dcmtk/prefixes, parser-warnings).
  sinks: ['services', 'stages', 'archive', 'cli'],
  archive: ['dcmtk', 'cli', 'sinks', 'stages'],
  dcmtk: ['services', 'stages', 'sinks', 'archive', 'cli'],
};

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'Layers form a line, files within a layer a tree.', from: {}, to: { circular: true } },
    ...Object.entries(ABOVE).map(([from, above]) => ({
      name: `${from}-imports-only-below`,
      severity: 'error',
      comment: `lib/${from} may not import ${above.join(', ')}`,
      from: { path: layer(from) },
      to: { path: below(above) },
    })),
    {
      name: 'lib-never-imports-tests-or-tools',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(test|scripts|benchmarks|examples|bin)/' },
    },
    {
      name: 'lib-uses-no-dev-dependency',
      severity: 'error',
      from: { path: '^lib/' },
      to: { dependencyTypes: ['npm-dev'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
