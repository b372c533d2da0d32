import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU milliseconds (utime + stime; with `children`, also cutime + cstime of waited-for children) from a /proc stat
 * file: `/proc/PID/stat` for a process, `/proc/PID/task/TID/stat` for one thread. Null when it cannot be read (not
 * Linux, or the process or thread is gone). The fields are counted after the command name, which may hold spaces.
 */
export function statCpuMs(path: string, children = false): number | null {
  try {
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = [11, 12, ...(children ? [13, 14] : [])].reduce((sum, i) => sum + Number(fields[i]), 0);
    return (ticks / TICKS_PER_SECOND) * 1000;
  } catch {
    return null;
  }
}
