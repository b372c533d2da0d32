/* `npm run -s db -- <migrate|pending|revert|drift>`: see db.command.ts. Configuration from the environment (DB_*). */
import { loadConfigFromProcess } from '@spamfilter/config';
import { DB_COMMANDS, runDbCommand, type DbCommand } from './db.command';

async function main(): Promise<void> {
  const command = process.argv[2];
  if (!(DB_COMMANDS as readonly string[]).includes(command ?? '')) {
    console.error(`usage: npm run -s db -- <${DB_COMMANDS.join('|')}>`);
    process.exitCode = 64;
    return;
  }
  process.exitCode = await runDbCommand(command as DbCommand, loadConfigFromProcess().database, (line) =>
    console.log(line),
  );
}

void main();
