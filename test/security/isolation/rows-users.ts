/** The isolation matrix's rows for the user and token routes (test/security/isolation/rows.ts gathers them). */
import assert from 'node:assert/strict';
import { type Listed, type Row, type Version, list, NOT_FOUND, T } from './world.js';

/** Users: the Tracker routes, once per API version. */
export function usersTrackerRows(v: Version): Row[] {
  const p = `/${v}`;
  return [
    {
      method: 'GET',
      route: `${p}/myself`,
      adminOnly: false,
      probes: () => [
        {
          label: 'myself',
          url: `${p}/myself`,
          inOwnOrg: 200,
          check: (body, w) => assert.equal((body as Listed).uid, w.b.adminUid),
        },
      ],
      valid: () => ({ url: `${p}/myself`, status: 200 }),
    },
    {
      method: 'GET',
      route: `${p}/users`,
      adminOnly: false,
      probes: () => [
        {
          label: 'the user list',
          url: `${p}/users?perPage=1000`,
          inOwnOrg: 200,
          check: (body, w) => {
            const uids = list(body).map((user) => user.uid);
            assert.ok(!uids.includes(w.a.adminUid) && !uids.includes(w.a.memberUid), `B's user list has A's users: ${uids.join(',')}`);
            assert.ok(!list(body).some((user) => user.login === w.a.memberLogin));
          },
        },
      ],
      valid: () => ({ url: `${p}/users`, status: 200 }),
    },
    {
      method: 'GET',
      route: `${p}/users/:user`,
      adminOnly: false,
      probes: (w) => [
        { label: "A's member by login", url: `${p}/users/${w.a.memberLogin}`, inOwnOrg: NOT_FOUND },
        { label: "A's member by uid", url: `${p}/users/${w.a.memberUid}`, inOwnOrg: NOT_FOUND },
        { label: "A's admin by uid", url: `${p}/users/${w.a.adminUid}`, inOwnOrg: NOT_FOUND },
        { label: "A's member as login:", url: `${p}/users/login:${w.a.memberLogin}`, inOwnOrg: NOT_FOUND },
      ],
      valid: (w) => ({ url: `${p}/users/${w.a.memberLogin}`, status: 200 }),
    },
  ];
}

/** Users: the Timeport extensions. */
export const usersTimeportRows: Row[] = [
  {
    method: 'POST',
    route: `${T}/users`,
    adminOnly: true,
    // `carol` exists in both organizations: B's conflict is with its own carol.
    probes: () => [{ label: 'a login both organizations have', url: `${T}/users`, payload: { login: 'carol' }, inOwnOrg: 409 }],
    valid: (_w, nonce) => ({ url: `${T}/users`, payload: { login: `control-${nonce.toLowerCase()}` }, status: 201 }),
  },
  {
    method: 'POST',
    route: `${T}/users/:login/tokens`,
    adminOnly: true,
    probes: (w) => [{ label: "A's member", url: `${T}/users/${w.a.memberLogin}/tokens`, payload: {}, inOwnOrg: NOT_FOUND }],
    valid: (w) => ({ url: `${T}/users/${w.a.memberLogin}/tokens`, payload: {}, status: 201 }),
  },
  {
    method: 'DELETE',
    route: `${T}/users/:login/tokens`,
    adminOnly: true,
    probes: (w) => [{ label: "A's member", url: `${T}/users/${w.a.memberLogin}/tokens`, inOwnOrg: NOT_FOUND }],
    valid: () => ({ url: `${T}/users/dave/tokens`, status: 200 }),
  },
  {
    method: 'POST',
    route: `${T}/tokens/_revoke`,
    adminOnly: false,
    probes: (w) => [
      { label: "A's admin's token", url: `${T}/tokens/_revoke`, payload: { token: w.a.spareToken }, inOwnOrg: NOT_FOUND },
      { label: "A's member's token", url: `${T}/tokens/_revoke`, payload: { token: w.a.memberToken }, inOwnOrg: NOT_FOUND },
    ],
    valid: (w) => ({ url: `${T}/tokens/_revoke`, payload: { token: w.a.spareToken }, status: 204 }),
  },
  {
    method: 'GET',
    route: `${T}/capabilities`,
    adminOnly: false,
    probes: () => [{ label: 'the capabilities', url: `${T}/capabilities`, inOwnOrg: 200 }],
    valid: () => ({ url: `${T}/capabilities`, status: 200 }),
  },
];
