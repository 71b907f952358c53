/**
 * The pipeline's dependency rules, as lint. Data flows one way, and so do imports: a stage imports only
 * its own rank or the ranks upstream of it (later in `StageRanks`), never one downstream; a few peers of
 * one rank import only one way; nothing imports in a cycle; the CLI reaches a stage only through its
 * entry points. `eslint.config.js` applies these; `test/unit/lint/layers.test.ts` proves a violation fails.
 *
 * eslint-plugin-import-x: it runs on ESLint 10's flat config (eslint-plugin-import does not), resolves
 * the `.js` suffixes of our TypeScript imports to the `.ts` files, and gives both rules we need
 * (`no-restricted-paths`, `no-cycle`) in one plugin. dependency-cruiser needs Node 22; the project
 * supports Node 20.
 */
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

const root = import.meta.dirname;

/** Downstream first: `cli → engine/sim → plan/act → forecast/series → store/collect → shared/config → sdk`. */
export const StageRanks = [
  ['src/cli'],
  ['src/engine', 'src/sim'],
  ['src/plan', 'src/act'],
  ['src/forecast', 'src/series'],
  ['src/store', 'src/collect'],
  ['src/shared', 'src/config'],
  ['sdk'],
];

/** Peers of one rank that import one way only: `[importer, imported]` (the reverse is refused). */
export const PeerDirections = [
  ['src/act', 'src/plan'],
  ['src/forecast', 'src/series'],
  ['src/collect', 'src/store'],
  ['src/config', 'src/shared'],
];

/**
 * Stages that receive job records and never open a log or talk to Slurm themselves: collect's readers
 * are wired to them by the CLI (and, next, by the engine's observe step).
 */
export const RecordConsumers = ['src/series', 'src/forecast', 'src/plan', 'src/act', 'src/sim'];

/**
 * What a CLI module may not import: the internals behind each stage's entry points (the models, the
 * policies one by one, the simulator's core, the store drivers, the SDK's insides). A command parses,
 * calls one application function and renders; it reaches a stage through `index.ts` or its
 * application module, so that what a command does is tested where it lives.
 */
export const CliForbidden = [
  'src/forecast/models',
  'src/plan/policies',
  'src/sim/simulator.ts',
  'src/sim/heap.ts',
  'src/store/sqlite.ts',
  'src/store/influx.ts',
  'src/store/influx-points.ts',
  'src/store/memory.ts',
  'src/store/spool.ts',
];

function zones() {
  const out = [];
  StageRanks.forEach((rank, i) => {
    const downstream = StageRanks.slice(0, i).flat();
    if (downstream.length === 0) return;
    for (const target of rank) {
      out.push({
        target: `./${target}`,
        from: downstream.map((d) => `./${d}`),
        message: `${target} is upstream of ${downstream.join(', ')}: data flows cli → engine/sim → plan/act → forecast/series → store/collect → shared/config → sdk, and imports only go upstream (docs/architecture.md).`,
      });
    }
  });
  for (const [importer, imported] of PeerDirections) {
    out.push({
      target: `./${imported}`,
      from: `./${importer}`,
      message: `${importer} imports ${imported}, not the other way round (docs/architecture.md).`,
    });
  }
  for (const target of RecordConsumers) {
    out.push({
      target: `./${target}`,
      from: './src/collect',
      message: `${target} takes job records, not files: readers live in src/collect and the CLI wires them (docs/architecture.md).`,
    });
  }
  out.push({
    target: './src/cli',
    from: CliForbidden.map((f) => `./${f}`),
    message:
      'CLI commands stay thin: reach a stage through its entry point (index.ts or its application module), not its internals (docs/architecture.md).',
  });
  out.push({
    target: './src/cli',
    from: './sdk',
    except: ['./index.ts'],
    message: 'The CLI uses the SDK through sdk/index.ts only.',
  });
  return out;
}

/** Flat-config entries that enforce the layering; needs a TypeScript parser configured for the files. */
export const layerConfig = [
  {
    files: ['src/**/*.ts', 'sdk/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // Without these, no-cycle treats .ts files as foreign and never follows them.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [
        createNodeResolver({ extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } }),
      ],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: root, zones: zones() }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
];
