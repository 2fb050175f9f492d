import type { CloudInventory } from '../ports/cloud-inventory.ts';
import type { DnsZones } from '../ports/dns-zones.ts';
import type { KeyService } from '../ports/key-service.ts';
import type { Notifier } from '../ports/notifier.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { RevisionStore } from '../ports/revision-store.ts';
import type { StackDeployer } from '../ports/stack-deployer.ts';
import type { Workflow } from '../ports/workflow.ts';

/** The adapters a pipeline step works through; AWS and embedded runs differ only here. */
export interface Deps {
  artifacts: ObjectStore;
  revisions: RevisionStore;
  keys: KeyService;
  deployer: StackDeployer;
  dns: DnsZones;
  inventory: CloudInventory;
  workflow: Workflow;
  /** Failure notices; absent in the embedded backend. */
  notifier?: Notifier;
  queueMode: 'queue' | 'reject';
  now: () => Date;
}
