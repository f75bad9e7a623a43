import { createContext, useContext, useEffect } from 'react';
import type { ConsoleApi } from './api.ts';

/** A refused sale as the live feed and the list carry it. */
export type RefusedSale = {
  id: string;
  branchId: string;
  terminalId: string;
  eventId: string | null;
  code: string;
  message: string;
  receivedAt: string;
  resolution: string | null;
  resolvedAt: string | null;
};

export const REFUSED_FIELDS =
  'id branchId terminalId eventId code message receivedAt resolution resolvedAt';

export type Branch = { id: string; name: string; currency: string | null };

/** What every screen needs: the API, the tenant's branches, and the feed of new refusals. */
export type ConsoleContextValue = {
  api: ConsoleApi;
  branches: Branch[];
  /** Calls `listener` for each sale refused while the console is open; returns the unsubscribe. */
  onRefused(listener: (sale: RefusedSale) => void): () => void;
};

export const ConsoleContext = createContext<ConsoleContextValue | null>(null);

export function useConsole(): ConsoleContextValue {
  const value = useContext(ConsoleContext);
  if (!value) throw new Error('ConsoleContext missing');
  return value;
}

/** Runs `listener` for every new refusal while the component is mounted. */
export function useRefusalFeed(listener: (sale: RefusedSale) => void): void {
  const { onRefused } = useConsole();
  useEffect(() => onRefused(listener), [onRefused, listener]);
}
