import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NvidiaSmiOutputError, NvidiaSmiProblem, parseNvidiaSmiXml } from '../../../sdk/index.js';

function smiFixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../../fixtures/nvidia-smi/${name}`, import.meta.url)), 'utf8');
}

function refusal(text: string): NvidiaSmiOutputError {
  try {
    parseNvidiaSmiXml(text);
  } catch (error) {
    expect(error).toBeInstanceOf(NvidiaSmiOutputError);
    return error as NvidiaSmiOutputError;
  }
  throw new Error('expected parseNvidiaSmiXml to throw');
}

describe('parseNvidiaSmiXml', () => {
  it('reads a 470-generation document (power_readings, no reserved memory)', () => {
    const log = parseNvidiaSmiXml(smiFixture('driver-470.xml'));
    expect(log.driverVersion).toBe('470.223.02');
    expect(log.cudaVersion).toBe('11.4');
    expect(log.gpus).toEqual([
      {
        index: 0,
        minorNumber: 0,
        pciBusId: '00000000:07:00.0',
        uuid: 'GPU-3f0c1b2a-5d6e-4f70-8a91-b2c3d4e5f601',
        productName: 'NVIDIA A100-SXM4-40GB',
        utilGpuPct: 87,
        utilMemPct: 41,
        memUsedMiB: 31022,
        memTotalMiB: 40536,
        processes: [{ pid: 48213, processName: 'python', usedMemMiB: 30997 }],
      },
      {
        index: 1,
        minorNumber: 1,
        pciBusId: '00000000:0F:00.0',
        uuid: 'GPU-3f0c1b2a-5d6e-4f70-8a91-b2c3d4e5f602',
        productName: 'NVIDIA A100-SXM4-40GB',
        utilGpuPct: 0,
        utilMemPct: 0,
        memUsedMiB: 0,
        memTotalMiB: 40536,
        processes: [],
      },
    ]);
  });

  it('reads a 535-generation document (reserved memory, gpu_power_readings, two processes)', () => {
    const log = parseNvidiaSmiXml(smiFixture('driver-535.xml'));
    expect(log.driverVersion).toBe('535.216.01');
    expect(log.gpus.map((g) => [g.index, g.utilGpuPct, g.memUsedMiB, g.memTotalMiB])).toEqual([
      [0, 98, 62914, 81559],
      [1, 0, 4, 81559],
    ]);
    expect(log.gpus[0]?.processes).toEqual([
      { pid: 1207733, processName: '/opt/conda/bin/python3', usedMemMiB: 61440 },
      { pid: 1207790, processName: '/opt/conda/bin/python3', usedMemMiB: 1462 },
    ]);
    expect(log.gpus[1]?.processes).toEqual([]);
  });

  it('reads a 550-generation document and keeps N/A readings of a MIG GPU as null', () => {
    const log = parseNvidiaSmiXml(smiFixture('driver-550.xml'));
    expect(log.driverVersion).toBe('550.127.05');
    expect(log.gpus).toHaveLength(3);
    const mig = log.gpus[2];
    expect(mig?.uuid).toBe('GPU-c0ffee00-aaaa-4bbb-8ccc-0123456789a3');
    expect(mig?.utilGpuPct).toBeNull();
    expect(mig?.utilMemPct).toBeNull();
    expect(mig?.memUsedMiB).toBe(88);
    expect(mig?.processes).toEqual([{ pid: 90412, processName: 'python', usedMemMiB: null }]);
    expect(log.gpus[0]?.utilGpuPct).toBe(12);
  });

  it('refuses the text nvidia-smi prints when the driver is not loaded', () => {
    const error = refusal(smiFixture('garbage-no-driver.txt'));
    expect(error.problem).toBe(NvidiaSmiProblem.notXml);
    expect(error.name).toBe('NvidiaSmiOutputError');
    expect(error.message).toContain('could not communicate');
  });

  it('refuses a document cut short', () => {
    expect(refusal(smiFixture('garbage-truncated.txt')).problem).toBe(NvidiaSmiProblem.notXml);
  });

  it('refuses XML that is not an nvidia_smi_log document', () => {
    expect(refusal('<?xml version="1.0"?><html><body/></html>').problem).toBe(NvidiaSmiProblem.wrongDocument);
  });

  it('refuses a document with fewer gpu elements than attached_gpus', () => {
    const text = smiFixture('driver-535.xml').replace(/<gpu id="00000000:3B:00.0">[\s\S]*?<\/gpu>/, '');
    expect(refusal(text).problem).toBe(NvidiaSmiProblem.truncated);
  });

  it('names the element whose value is not in the documented form', () => {
    const text = smiFixture('driver-470.xml').replace('<used>31022 MiB</used>', '<used>30 GB</used>');
    const error = refusal(text);
    expect(error.problem).toBe(NvidiaSmiProblem.badValue);
    expect(error.field).toBe('gpu[0].fb_memory_usage.used');
  });

  it('names a missing element', () => {
    const text = smiFixture('driver-550.xml').replace(/<utilization>[\s\S]*?<\/utilization>/, '');
    const error = refusal(text);
    expect(error.problem).toBe(NvidiaSmiProblem.missingField);
    expect(error.field).toBe('gpu[0].utilization');
  });

  it('refuses a utilisation above 100 %', () => {
    const text = smiFixture('driver-470.xml').replace(
      '<gpu_util>87 %</gpu_util>',
      '<gpu_util>187 %</gpu_util>',
    );
    expect(refusal(text).field).toBe('gpu[0].utilization.gpu_util');
  });
});
