export type {
  BrowserTerminal,
  BrowserTerminalStatus,
  ConnectTerminalOptions,
} from './connect-terminal.ts';
export { connectTerminal } from './connect-terminal.ts';
export type { DaemonSocketState } from './daemon-socket.ts';
export type { DaemonFrame, PageFrame, UiCommandName, UiCommands, UiError } from './protocol.ts';
export { UI_PROTOCOL_VERSION } from './protocol.ts';
