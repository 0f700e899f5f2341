import type { Store } from '../store/database.js';
import type { Organization, User } from '../store/schema.js';

/** What every service call needs: the store, and a clock tests can set. */
export interface ServiceContext {
  readonly store: Store;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
}

/** The authenticated user making a request, in the organization the request names. */
export interface Caller {
  readonly org: Organization;
  readonly user: User;
}

export const isAdmin = (caller: Caller): boolean => caller.user.isAdmin === 1;
