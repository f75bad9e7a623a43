export type { BookedSale, CloudOptions, RegisteredTerminal } from './cloud.ts';
export {
  Cloud,
  TEST_ROOT_TOKEN,
  freePort,
  processCpuMs,
  processRssBytes,
  productInput,
  removeDir,
  tempDir,
} from './cloud.ts';
export type { ProxyMode } from './fault-proxy.ts';
export { FaultProxy } from './fault-proxy.ts';
export type { Fault, FaultKind, ScheduleInput } from './fault-schedule.ts';
export { FAULT_KINDS, planFaults } from './fault-schedule.ts';
export type { FleetMember, FleetOptions } from './fleet.ts';
export { Fleet } from './fleet.ts';
export type { FleetEvidence, InvariantResult } from './invariants.ts';
export {
  checkAcknowledgedBookedOnce,
  checkBranchIsolation,
  checkCatalogDigests,
  checkInventory,
  checkInvariants,
  checkInvoicesUnique,
  checkQueues,
  gatherEvidence,
} from './invariants.ts';
export type { JournalEntry } from './journal.ts';
export { appendJournal, journalAdjustments, readJournal } from './journal.ts';
export type { AcknowledgedSale, ProtocolTerminalOptions } from './protocol-terminal.ts';
export { ProtocolTerminal } from './protocol-terminal.ts';
export type { Random } from './random.ts';
export { createRandom, realNow } from './random.ts';
export { percentile, renderReport, reportSeries } from './report.ts';
export type {
  FaultRecord,
  RunningState,
  Sample,
  SimulationOptions,
  SimulationResult,
} from './simulation.ts';
export { replayCommand, runSimulation } from './simulation.ts';
export type { TerminalHostOptions } from './terminal-host-handle.ts';
export { TERMINALS_PER_HOST, TerminalHost } from './terminal-host-handle.ts';
export type {
  HostWorkload,
  HostedTerminalSpec,
  TerminalInspection,
  TerminalProgress,
} from './terminal-host-protocol.ts';
export { eventually } from './eventually.ts';
export { CHANGE_PRICE_BASE, changeOfPrice } from './terminal-host-protocol.ts';
