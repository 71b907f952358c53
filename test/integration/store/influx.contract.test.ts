import { randomBytes } from 'node:crypto';
import { InfluxDB } from 'influx';
import { describePersistentStoreContract } from '../../contract/store.contract.js';
import { openInfluxStore } from '../../../src/store/influx.js';
import type { HistoryStore } from '../../../src/store/types.js';
import { loadLab } from '../lab.js';

// Against the lab's real influxd. Each test gets its own database, dropped afterwards.
describePersistentStoreContract('InfluxDB 1.x (lab influxd)', () => {
  const lab = loadLab();
  const database = `contract_${randomBytes(6).toString('hex')}`;
  const open = (): HistoryStore =>
    openInfluxStore({ host: lab.influx.host, port: lab.influx.port, database });
  let current = open();
  return Promise.resolve({
    store: current,
    // The data lives in the server: a new client on the same database must see all of it.
    reopen: async () => {
      await current.close();
      current = open();
      return current;
    },
    dispose: async () => {
      await current.close();
      await new InfluxDB({ host: lab.influx.host, port: lab.influx.port }).dropDatabase(database);
    },
  });
});
