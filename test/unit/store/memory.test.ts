import { describeStoreContract } from '../../contract/store.contract.js';
import { MemoryStore } from '../../../src/store/memory.js';

describeStoreContract('memory fake', () => {
  const store = new MemoryStore();
  return Promise.resolve({ store, dispose: () => store.close() });
});
