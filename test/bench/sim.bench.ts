import { dirname } from 'node:path';
/**
 * Simulator benchmarks: speed and memory, fidelity against the shared SWF logs, and the curves of mean
 * wait against powered-idle node-hours per policy. Writes its section of docs/benchmarks.md.
 *
 *   npx tsx test/bench/sim.bench.ts            (everything)
 *   npx tsx test/bench/sim.bench.ts --quick    (speed and fidelity only)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { alwaysOnPolicy, PolicyNames } from '../../src/sim/policies.js';
import { readSwf, readSwfHeader } from '../../src/collect/swf.js';
import { runPolicy, scenarioFromJobs, type Scenario } from '../../src/sim/run.js';
import { clusterFromSwfHeader } from '../../src/sim/workload.js';
import { simulate } from '../../src/sim/simulator.js';
import { generateSynthetic } from '../../src/sim/synthetic.js';
import type { ClusterSpec, SimResult, SimWorkload } from '../../src/sim/types.js';
import { tracePath } from '../traces.js';

const TRACES = dirname(tracePath('README.md'));
/** Every shared SWF log; fidelity runs on the first two. */
const LOGS = [
  'KTH-SP2-1996-2.1-cln.swf.gz',
  'CEA-Curie-2011-2.1-cln.swf.gz',
  'CTC-SP2-1996-3.1-cln.swf.gz',
  'SDSC-SP2-1998-4.2-cln.swf.gz',
  'SDSC-BLUE-2000-4.2-cln.swf.gz',
  'LLNL-Thunder-2007-1.1-cln.swf.gz',
];
const FIDELITY_LOGS = LOGS.slice(0, 2);
/** The 200,000-job, multi-year log the predictive speed target is measured on. */
const SPEED_LOG = 'SDSC-BLUE-2000-4.2-cln.swf.gz';
const QUICK = process.argv.includes('--quick');
const out: string[] = [];
const log = (line = ''): void => {
  out.push(line);
  console.log(line);
};
/** An SWF log as a scenario: one pool sized from its header unless `nodes` is given (0 = unlimited). */
async function swfScenario(path: string, options: { nodes?: number } = {}): Promise<Scenario> {
  const cluster = clusterFromSwfHeader(await readSwfHeader(path), options);
  return scenarioFromJobs(path.replace(/^.*\//, ''), readSwf(path), cluster);
}
const fmt = (x: number, d = 0): string => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

// ---------------------------------------------------------------------------------------------
// Speed and memory

function bigCluster(nodes: number): ClusterSpec {
  return {
    timeZone: 'UTC',
    pools: [
      {
        name: 'cpu',
        partition: 'cpu',
        nodeCount: nodes,
        cpusPerNode: 64,
        memMiBPerNode: 0,
        gpusPerNode: 0,
        gpuType: null,
        features: [],
      },
    ],
  };
}

function firstJobs(w: SimWorkload, n: number): SimWorkload {
  return {
    count: n,
    submitS: w.submitS.slice(0, n),
    runS: w.runS.slice(0, n),
    limitS: w.limitS.slice(0, n),
    recordedWaitS: w.recordedWaitS.slice(0, n),
    nodes: w.nodes.slice(0, n),
    pool: w.pool.slice(0, n),
    reservation: w.reservation.slice(0, n),
    rejected: 0,
  };
}

/** `times` copies of a workload one after the other. */
function tile(w: SimWorkload, times: number): SimWorkload {
  const n = w.count * times;
  const span = (w.submitS[w.count - 1] as number) - (w.submitS[0] as number) + 1;
  const submitS = new Float64Array(n);
  const runS = new Float64Array(n);
  const limitS = new Float64Array(n);
  const nodes = new Int32Array(n);
  for (let k = 0; k < times; k++) {
    for (let i = 0; i < w.count; i++) {
      submitS[k * w.count + i] = (w.submitS[i] as number) + k * span;
      runS[k * w.count + i] = w.runS[i] as number;
      limitS[k * w.count + i] = w.limitS[i] as number;
      nodes[k * w.count + i] = w.nodes[i] as number;
    }
  }
  return {
    count: n,
    submitS,
    runS,
    limitS,
    nodes,
    recordedWaitS: new Float64Array(n),
    pool: new Int32Array(n),
    reservation: new Int32Array(n).fill(-1),
    rejected: 0,
  };
}

function speed(): void {
  const cluster = bigCluster(1000);
  // ~100,000 jobs of the synthetic model at 60 % offered load on 1,000 nodes.
  const w = firstJobs(generateSynthetic(cluster, { days: 400, seed: 11 }), 100_000);
  log('### Speed and memory');
  log();
  log(
    `Synthetic log (Lublin–Feitelson, 60 % offered load), ${w.count.toLocaleString('en')} jobs, one 1,000-node pool, always-on, one core (${cpus()[0]?.model ?? 'cpu'}).`,
  );
  log();
  log('| scheduler | jobs/s (best of 3) | target | events |');
  log('|---|---:|---:|---:|');
  for (const backfill of ['none', 'easy'] as const) {
    let best = 0;
    let events = 0;
    for (let k = 0; k < 3; k++) {
      const t = performance.now();
      const r = simulate(w, cluster, { policy: alwaysOnPolicy(), backfill });
      const s = (performance.now() - t) / 1000;
      best = Math.max(best, w.count / s);
      events = r.events;
    }
    const target = backfill === 'none' ? 100_000 : 20_000;
    log(
      `| ${backfill === 'none' ? 'FCFS, no backfill' : 'EASY backfill'} | ${fmt(best)} | ≥ ${target.toLocaleString('en')} ${best >= target ? '✓' : '✗'} | ${events.toLocaleString('en')} |`,
    );
  }
  const million = tile(w, 10);
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const t = performance.now();
  const r = simulate(million, cluster, {
    policy: alwaysOnPolicy(),
    backfill: 'easy',
    onProgress: () => {
      peak = Math.max(peak, process.memoryUsage().rss);
    },
  });
  peak = Math.max(peak, process.memoryUsage().rss);
  log();
  log(
    `1,000,000 jobs (the log above ten times over), EASY: ${fmt((performance.now() - t) / 1000, 1)} s, ` +
      `${r.metrics.jobs.toLocaleString('en')} jobs simulated; process RSS peak ${fmt(peak / 2 ** 20)} MiB ` +
      `(workload columns included; target < 1,024 MiB ${peak < 2 ** 30 ? '✓' : '✗'}).`,
  );
  log();
}

// ---------------------------------------------------------------------------------------------
// Fidelity

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = (a[i] as number) - ma;
    const db = (b[i] as number) - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

async function fidelity(scenarios: Map<string, Scenario>): Promise<void> {
  log('### Fidelity (always-on, own machine size, EASY backfill), reported not tuned');
  log();
  log(
    '| log | jobs | rejected (too wide) | recorded mean wait s | simulated mean wait s | mean error s | mean abs error s | Pearson r (per job) | Pearson r (daily mean) |',
  );
  log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const name of LOGS) {
    const s = scenarios.get(name);
    if (s === undefined) continue;
    const r = runPolicy(s, 'always-on');
    const rec: number[] = [];
    const sim: number[] = [];
    const dayRec = new Map<number, [number, number, number]>();
    for (let j = 0; j < s.workload.count; j++) {
      const recorded = s.workload.recordedWaitS[j] as number;
      const start = r.outcomes.startS[j] as number;
      if (Number.isNaN(recorded) || Number.isNaN(start)) continue;
      const simulated = start - (s.workload.submitS[j] as number);
      rec.push(recorded);
      sim.push(simulated);
      const day = Math.floor((s.workload.submitS[j] as number) / 86_400);
      const acc = dayRec.get(day) ?? [0, 0, 0];
      dayRec.set(day, [acc[0] + recorded, acc[1] + simulated, acc[2] + 1]);
    }
    const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
    const mae = mean(rec.map((x, i) => Math.abs(x - (sim[i] as number))));
    const days = [...dayRec.values()];
    log(
      `| ${name.replace('.swf.gz', '')} | ${rec.length} | ${r.metrics.rejected} | ${fmt(mean(rec))} | ${fmt(mean(sim))} | ${fmt(mean(sim) - mean(rec))} | ${fmt(mae)} | ${fmt(pearson(rec, sim), 3)} | ${fmt(
        pearson(
          days.map((d) => d[0] / d[2]),
          days.map((d) => d[1] / d[2]),
        ),
        3,
      )} |`,
    );
  }
  log();
}

/** `simulate --policy predictive` on a multi-year log of about 200,000 jobs, at the default costs. */
function predictiveSpeed(scenario: Scenario): void {
  const w = scenario.workload;
  const days = ((w.submitS[w.count - 1] ?? 0) - (w.submitS[0] ?? 0)) / 86_400;
  log(
    `Predictive on ${scenario.label} (${w.count.toLocaleString('en')} jobs over ${fmt(days)} days, ${fmt(days / 365.25, 2)} years), default costs, one core:`,
  );
  log();
  log('| machine | wall s | target | decisions |');
  log('|---|---:|---:|---:|');
  for (const nodes of [undefined, 0] as const) {
    const cluster =
      nodes === 0
        ? { ...scenario.cluster, pools: scenario.cluster.pools.map((p) => ({ ...p, nodeCount: Infinity })) }
        : scenario.cluster;
    const t = performance.now();
    const r = runPolicy({ ...scenario, cluster }, 'predictive', { bootS: 300, idleS: 600 });
    const s = (performance.now() - t) / 1000;
    log(
      `| ${nodes === 0 ? 'unlimited' : `own size (${scenario.cluster.pools[0]?.nodeCount} nodes)`} | ${fmt(s, 1)} | ≤ 60 ${s <= 60 ? '✓' : '✗'} | ${r.decisions.toLocaleString('en')} |`,
    );
  }
  log();
}

// ---------------------------------------------------------------------------------------------
// Policy curves

interface Point {
  policy: string;
  setting: string;
  meanWaitS: number;
  bootWaitS: number;
  idleNodeH: number;
  bootNodeH: number;
}

const PREDICTIVE_QUANTILES = [0.8, 0.85, 0.9, 0.92, 0.93, 0.94, 0.95, 0.97, 0.98, 0.99];
const WARM_SETTINGS = [0, 0.25, 0.5, 0.75, 1];
/** Extra predictive runs that close in on reactive's idle node-hours. */
const BISECTIONS = 4;

function curves(name: string, scenario: Scenario, target: number): { points: Point[]; checks: string[] } {
  const points: Point[] = [];
  const opts = { bootS: 300, idleS: 600 };
  const add = (r: SimResult, setting: string): void => {
    points.push({
      policy: r.policy,
      setting,
      meanWaitS: r.metrics.meanWaitS,
      bootWaitS: r.metrics.bootWaitS,
      idleNodeH: r.metrics.poweredIdleNodeH,
      // Every boot takes exactly the boot time here (no jitter).
      bootNodeH: (r.metrics.boots * opts.bootS) / 3600,
    });
  };
  for (const p of ['always-on', 'reactive', 'oracle'] as const) add(runPolicy(scenario, p, opts), '');
  for (const s of WARM_SETTINGS)
    add(runPolicy(scenario, 'seasonal-warm-pool', { ...opts, quantile: s }), String(s));
  for (const q of PREDICTIVE_QUANTILES) {
    add(runPolicy(scenario, 'predictive', { ...opts, quantile: q }), String(q));
  }
  const reactive = points.find((p) => p.policy === 'reactive') as Point;
  // The grid rarely lands on reactive's idle node-hours: bisect the quantile between the last grid point
  // at or below them and the first above, so the comparison at equal cost is a measured run.
  const runs = (): Point[] => points.filter((p) => p.policy === 'predictive');
  let lo = Math.max(
    0,
    ...runs()
      .filter((p) => p.idleNodeH <= reactive.idleNodeH)
      .map((p) => Number(p.setting)),
  );
  let hi = Math.min(
    1,
    ...runs()
      .filter((p) => p.idleNodeH > reactive.idleNodeH)
      .map((p) => Number(p.setting)),
  );
  for (let k = 0; k < BISECTIONS && lo > 0 && hi < 1; k++) {
    const q = Number(((lo + hi) / 2).toFixed(4));
    add(runPolicy(scenario, 'predictive', { ...opts, quantile: q }), String(q));
    if ((points.at(-1) as Point).idleNodeH <= reactive.idleNodeH) lo = q;
    else hi = q;
  }
  const pred = points.filter((p) => p.policy === 'predictive').sort((a, b) => a.idleNodeH - b.idleNodeH);
  const warm = points.filter((p) => p.policy === 'seasonal-warm-pool');
  // Predictive's value (mean wait or boot wait) at a given idle node-hours, by linear interpolation along its curve.
  const predAt = (idle: number, key: 'meanWaitS' | 'bootWaitS'): number => {
    if (pred.length === 0 || idle < (pred[0] as Point).idleNodeH) return Number.NaN;
    for (let i = 1; i < pred.length; i++) {
      const a = pred[i - 1] as Point;
      const b = pred[i] as Point;
      if (idle <= b.idleNodeH) {
        return (
          a[key] + ((b[key] - a[key]) * (idle - a.idleNodeH)) / Math.max(1e-9, b.idleNodeH - a.idleNodeH)
        );
      }
    }
    return Math.min(...pred.map((p) => p[key]));
  };
  const checks: string[] = [];
  for (const key of ['meanWaitS', 'bootWaitS'] as const) {
    const rows: string[] = [];
    let below = 0;
    let comparable = 0;
    for (const w of warm) {
      const pw = predAt(w.idleNodeH, key);
      if (Number.isNaN(pw)) {
        rows.push(`${w.setting}: outside`);
        continue;
      }
      comparable++;
      if (pw <= w[key]) below++;
      rows.push(`${w.setting}: ${fmt(pw, 1)} vs ${fmt(w[key], 1)}`);
    }
    checks.push(
      `predictive ${key === 'meanWaitS' ? 'mean wait' : 'boot wait'} at the warm pool's idle node-hours, predictive vs warm pool, per setting ` +
        `(${rows.join('; ')}): below at ${below} of ${comparable} comparable settings ${comparable > 0 && below === comparable ? '✓' : '✗'}`,
    );
  }
  const within = pred.filter((p) => p.idleNodeH <= reactive.idleNodeH);
  const bestCut =
    within.length === 0 ? Number.NaN : Math.max(...within.map((p) => 1 - p.bootWaitS / reactive.bootWaitS));
  const atReactive = predAt(reactive.idleNodeH, 'bootWaitS');
  checks.push(
    `at ≤ reactive's idle node-hours (${fmt(reactive.idleNodeH)}), predictive removes ${Number.isNaN(bestCut) ? 'n/a (no predictive point that cheap)' : `${fmt(100 * bestCut)} %`} of reactive's boot wait ` +
      `(target ≥ ${fmt(100 * target)} %) ${bestCut >= target ? '✓' : '✗'}; ` +
      `along the curve, at exactly reactive's idle node-hours: ${Number.isNaN(atReactive) ? 'n/a' : `${fmt(100 * (1 - atReactive / reactive.bootWaitS))} %`}`,
  );
  log(`#### ${name}`);
  log();
  log(
    '| policy | setting | mean wait s | boot wait s | powered-idle node-h | of which booting | boot wait removed vs reactive | idle vs reactive | idle without booting vs reactive |',
  );
  log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const p of points) {
    log(
      `| ${p.policy} | ${p.setting} | ${fmt(p.meanWaitS)} | ${fmt(p.bootWaitS, 1)} | ${fmt(p.idleNodeH)} | ${fmt(p.bootNodeH)} | ${fmt(100 * (1 - p.bootWaitS / reactive.bootWaitS))} % | ${fmt(p.idleNodeH / reactive.idleNodeH, 2)}× | ${fmt((p.idleNodeH - p.bootNodeH) / (reactive.idleNodeH - reactive.bootNodeH), 2)}× |`,
    );
  }
  log();
  for (const c of checks) log(`- ${c}`);
  log();
  return { points, checks };
}

/**
 * Why the policy targets are missed where they are. The figures themselves are in the per-run check
 * lines above this text, computed on every run; this text explains them and repeats no number.
 */
const TARGET_NOTES = `### Targets: what is met, what is missed and why

The ✓/✗ check lines under each run above are computed by this run; this part explains them.

- Speed and memory: met (see above), the predictive policy on a 2.7-year, 224,000-job log included.
- Fidelity (reported, not tuned): simulated waits come out well below the recorded ones, and per-job correlation is weak. The model has no outages, drains, priorities or fair share; Curie is simulated as one pool (the log has partitions); jobs take whole nodes.
- At ≤ reactive's idle node-hours: the share of reactive's boot wait removed is highest where most jobs are small and arrivals cluster (Curie), lowest on small machines where many jobs are wide (KTH: a fifth of its jobs ask for more than 9 nodes). The lead-window model (recent submissions, the same window on past days, hour and weekend) predicts well enough which windows will see a small job; it cannot say which will see a wide one, and warming a wide job's nodes costs more idle node-hours than its wait is worth at any of the quantiles swept, so wide jobs wait for a boot as under reactive and cap the share removed. More context (users active in the last half hour, time since the last arrival, a longer recent window), another half-life or back-off threshold, a shorter decision interval, Slurm's own idle timer for the surplus, and a keep level from all job sizes were measured on KTH while building it: each moved the points along the same curve, none lifted it.
- Predictive against the warm pool: with \`--nodes 0\`, predictive's boot wait is below the warm pool's at every setting on every log; on the machines' own sizes it is below at the cheap settings (0, 0.25) and not at the dear ones, which cost several times reactive's idle node-hours, beyond the dearest quantile swept (0.99): there the check compares with predictive's last point.
- Own size: on SDSC-BLUE the cheapest quantile swept (0.8) already keeps more idle node-hours than reactive, so there is no point to compare at equal cost. On a full machine most of the wait is queueing, and a warm node is often taken by a queued job before the arrival it was warmed for; the share removed is lower than with \`--nodes 0\` on every log.
- Metric. Powered-idle node-hours count booting nodes, for every policy alike (they draw power, and leaving them out would make needless boots free). The oracle boots about twice as often as reactive, and booting is most of its idle node-hours; the last column of each table leaves booting out.
`;

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = performance.now();
  log(
    `Command: \`npx tsx test/bench/sim.bench.ts\` (Node ${process.version}). Policies: ${PolicyNames.join(', ')}.`,
  );
  log();
  speed();
  const own = new Map<string, Scenario>();
  for (const name of LOGS) {
    const path = `${TRACES}/${name}`;
    if (existsSync(path)) own.set(name, await swfScenario(path));
  }
  await fidelity(new Map([...own].filter(([name]) => FIDELITY_LOGS.includes(name))));
  const speedScenario = own.get(SPEED_LOG);
  if (speedScenario !== undefined) predictiveSpeed(speedScenario);
  if (!QUICK) {
    log('### Mean wait against powered-idle node-hours (boot 300 s, idle time 600 s)');
    log();
    log(
      'Policies learn online from the arrivals before each decision (no training split). Predictive: the lead-window ' +
        'demand model (`src/plan/policies/lead-demand.ts`): the nodes that jobs of at most ⌊q / (1 − q)⌋ nodes ask for ' +
        'within the next boot time plus decision interval, as a histogram per context (nodes asked in the last window, ' +
        'days of the last seven with an arrival in the same window of the day, hour and weekend), learnt online; the ' +
        'planner keeps the q quantile powered, idle nodes already up are kept to the keep quantile, the rest power down at once. ' +
        'Powered-idle counts booting nodes too (every policy alike); "of which booting" is boots × boot time, and the last ' +
        'column leaves it out.',
    );
    log();
    for (const name of LOGS) {
      const scenario = own.get(name);
      if (scenario === undefined) continue;
      curves(
        `${name.replace('.swf.gz', '')}, own size (${scenario.cluster.pools[0]?.nodeCount} nodes, ${scenario.workload.rejected} jobs too wide, not simulated)`,
        scenario,
        0.3,
      );
      const cloud = await swfScenario(`${TRACES}/${name}`, { nodes: 0 });
      curves(`${name.replace('.swf.gz', '')}, unlimited (--nodes 0)`, cloud, 0.5);
    }
  }
  if (!QUICK) for (const line of TARGET_NOTES.trimEnd().split('\n')) log(line);
  log();
  log(`Bench wall time: ${fmt((performance.now() - started) / 1000)} s.`);
  writeSection(out.join('\n'));
}

function writeSection(body: string): void {
  const path = new URL('../../docs/benchmarks.md', import.meta.url);
  const begin = '<!-- sim:begin -->';
  const end = '<!-- sim:end -->';
  const section = `${begin}\n## Simulator\n\n${body}\n${end}`;
  let text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  text =
    a >= 0 && b > a
      ? text.slice(0, a) + section + text.slice(b + end.length)
      : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, text);
}

await main();
