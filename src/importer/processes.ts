/**
 * Whether a process with this id exists: the sweeps of what a killed run left behind (sort
 * directories, bench databases) keep what belongs to a live one. EPERM means it exists but is
 * another user's.
 */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
