export { LOCAL_TOKEN_FILE, isLocalToken, loadOrCreateLocalToken } from './local-token.ts';
export type { UiServer, UiServerOptions } from './ui-server.ts';
export { startUiServer } from './ui-server.ts';
export type { UiTerminal } from './ui-session.ts';
export type { BuildPageOptions, BuiltPage, PageAsset } from './build-page.ts';
export { CASHIER_ENTRY, DEFAULT_PAGE_CACHE_DIR, buildCashierPage } from './build-page.ts';
