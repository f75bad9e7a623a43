import type { ReactNode } from 'react';
import { createContext, useCallback, useContext, useState } from 'react';

type Announcement = { text: string; tone: 'info' | 'error'; id: number };

const AnnounceContext = createContext<(text: string, tone?: 'info' | 'error') => void>(() => {});

/** Says something to the cashier and to screen readers (one polite live region for the page). */
export function useAnnounce(): (text: string, tone?: 'info' | 'error') => void {
  return useContext(AnnounceContext);
}

/** Provides `useAnnounce` and renders the live region as a toast at the bottom of the page. */
export function Announcer({ children }: { children: ReactNode }) {
  const [announcement, setAnnouncement] = useState<Announcement | null>(null);
  const announce = useCallback((text: string, tone: 'info' | 'error' = 'info') => {
    setAnnouncement((before) => ({ text, tone, id: (before?.id ?? 0) + 1 }));
  }, []);
  return (
    <AnnounceContext.Provider value={announce}>
      {children}
      <div
        className={`toast ${announcement ? `toast-${announcement.tone}` : 'toast-empty'}`}
        role="status"
        aria-live="polite"
        data-testid="announcement"
      >
        <span key={announcement?.id}>{announcement?.text}</span>
      </div>
    </AnnounceContext.Provider>
  );
}
