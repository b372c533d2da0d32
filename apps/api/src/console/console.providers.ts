import type { Provider, Type } from '@nestjs/common';
import type { AppConfig } from '@spamfilter/config';
import {
  ConsoleSessionRepository,
  ConsoleStatsRepository,
  MailboxListRepository,
} from '@spamfilter/persistence';
import { ConsoleSessionService } from './console-session.service';
import { ConsoleStaticController } from './console-static.controller';
import { DashboardController } from './dashboard.controller';
import { DashboardService } from './dashboard.service';
import { ImapPasswordChecker } from './imap-password.checker';
import { MailboxesController } from './mailboxes.controller';
import { SessionController } from './session.controller';

/*
 * The web console's part of the API, registered in ApiModule itself (not a module of its own): the session service
 * serves the global key guard, and the session routes need the guard's AuthService, all in one injector.
 */

export const CONSOLE_PROVIDERS: Provider[] = [
  ConsoleSessionRepository,
  ConsoleStatsRepository,
  MailboxListRepository,
  ConsoleSessionService,
  ImapPasswordChecker,
  DashboardService,
];

/** The API routes the console calls (always on) and, with CONSOLE_ENABLED, the page itself at /console. */
export function consoleControllers(config: AppConfig): Type[] {
  const api: Type[] = [SessionController, DashboardController, MailboxesController];
  return config.console.enabled ? [...api, ConsoleStaticController] : api;
}
