/** An organization: the tenant every user, queue, issue and worklog belongs to. */
export interface Organization {
  id: string;
  cloudOrgId: string | null;
  name: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
}

/** A user of one organization. */
export interface User {
  uid: number;
  orgId: string;
  login: string;
  /** The login lowercased: logins are unique and looked up without regard to case. */
  loginKey: string;
  display: string;
  firstName: string;
  lastName: string;
  email: string | null;
  isAdmin: boolean;
  passportUid: number | null;
  cloudUid: string;
  dismissed: boolean;
  /** Milliseconds since the epoch. */
  createdAt: number;
}
