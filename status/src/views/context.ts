import type { PageConfig, Session } from '../api';

/** What every view gets: where to draw, how to ask the API, how to move without a reload. */
export interface ViewContext {
  main: HTMLElement;
  session: Session;
  config: PageConfig;
  navigate: (path: string) => void;
}

/** A view draws itself once and then refreshes in place on every poll (no reload, focus kept). */
export interface View {
  refresh(): Promise<void>;
  dispose?(): void;
}
