/**
 * Synthetic sacct `-P` output for the parser benchmark (`sacct.bench.ts`) and its correctness test.
 */
import { SACCT_DELIMITER } from '../../sdk/parse/sacct.js';

/** `jobs` jobs, each a job row and its batch step, in `SACCT_FIELDS` order. */
export function syntheticSacct(jobs: number): string {
  const lines: string[] = [];
  for (let i = 1; i <= jobs; i++) {
    const gpu = i % 3 === 0 ? ',gres/gpu:a100=2,gres/gpu=2' : '';
    const submit = 1_795_603_727 + i;
    lines.push(
      [
        i,
        i % 7 === 0 ? `${i - 1}_${i % 13}` : i,
        `job${i % 50}`,
        `u${i % 40}`,
        'research',
        gpu === '' ? 'cpu' : 'gpu',
        'normal',
        i % 11 === 0 ? 'CANCELLED by 1000' : 'COMPLETED',
        i % 17 === 0 ? '1:0' : '0:0',
        submit,
        submit,
        submit + 1,
        submit + 6 + (i % 100),
        60,
        `billing=1,cpu=${1 + (i % 4)}${gpu},mem=256M,node=1`,
        `billing=1,cpu=${1 + (i % 4)}${gpu},mem=256M,node=1`,
        `c${i % 64}`,
        '',
        '',
        '',
        '00:00.769',
        i % 5 === 0 ? 'bigmem' : '',
        5 + (i % 100),
      ].join(SACCT_DELIMITER),
      [
        `${i}.batch`,
        `${i}.batch`,
        'batch',
        '',
        'research',
        '',
        '',
        'COMPLETED',
        '0:0',
        submit,
        submit,
        submit + 1,
        submit + 6 + (i % 100),
        '',
        '',
        `cpu=${1 + (i % 4)},mem=256M,node=1`,
        `c${i % 64}`,
        '',
        '',
        `${4000 + (i % 1000)}K`,
        '00:00.769',
        '',
        5 + (i % 100),
      ].join(SACCT_DELIMITER),
    );
  }
  return `${lines.join('\n')}\n`;
}
