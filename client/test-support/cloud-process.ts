/**
 * The cloud as a real process (`pos server`) for the terminal's tests: the testing library's `Cloud`
 * (testing/cloud.ts), on a fixed port over its own data dir, so tests can stop and restart it and
 * terminals see an outage, not a new server. Client tests must not import server/, and a separate
 * process is what a terminal meets in production anyway.
 */
export {
  Cloud as CloudProcess,
  TEST_ROOT_TOKEN as ROOT_TOKEN,
  freePort,
  productInput,
  removeDir,
  tempDir,
} from '../../testing/cloud.ts';
