import { randomBytes } from 'node:crypto';
import { InfluxDB } from 'influx';
import { describeStoreContract } from '../../contract/store.contract.js';
import { openInfluxStore } from '../../../src/store/influx.js';
import { loadLab } from '../lab.js';

// Against the lab's real influxd. Each test gets its own database, dropped afterwards.
describeStoreContract('InfluxDB 1.x (lab influxd)', () => {
  const lab = loadLab();
  const database = `contract_${randomBytes(6).toString('hex')}`;
  const store = openInfluxStore({ host: lab.influx.host, port: lab.influx.port, database });
  return Promise.resolve({
    store,
    dispose: async () => {
      await store.close();
      await new InfluxDB({ host: lab.influx.host, port: lab.influx.port }).dropDatabase(database);
    },
  });
});
