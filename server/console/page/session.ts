/** Where the admin token lives while the tab is open: sessionStorage only, never localStorage. */
const TOKEN_KEY = 'pos.console.token';

export function readToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function saveToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}
