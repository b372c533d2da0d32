import { Controller, Get, Inject, Logger, Param, Res, type OnModuleInit } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { AppConfig } from '@spamfilter/config';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { API_APP_CONFIG } from '../api-config.token';
import { Public } from '../guards/auth.decorators';
import { CONSOLE_HEADERS, consoleDir, consoleTarget } from './console-files';
import { ImapPasswordChecker } from './imap-password.checker';

interface RawResponse {
  status(code: number): RawResponse;
  setHeader(name: string, value: string): void;
  send(body: Buffer | string): void;
  redirect(status: number, url: string): void;
}

/** Hashed bundles are kept in memory once read (they never change under one name); at most this many bytes. */
const ASSET_CACHE_BYTES = 32 * 1024 * 1024;

/**
 * The web console's files (built by `npm run build` into dist/console) at /console, and `/` redirecting there.
 * Client-side routes get the app's page; every answer carries the console's Content-Security-Policy. No sign-in is
 * needed to load the page itself: it holds no data, and its API calls are authenticated.
 */
@ApiExcludeController()
@Public()
@Controller()
export class ConsoleStaticController implements OnModuleInit {
  private readonly log = new Logger(ConsoleStaticController.name);
  private readonly dir: string;
  private readonly assets = new Map<string, Buffer>();
  private assetBytes = 0;

  constructor(
    @Inject(API_APP_CONFIG) config: AppConfig,
    private readonly imap: ImapPasswordChecker,
  ) {
    this.dir = consoleDir(config.console.dir, __dirname);
  }

  onModuleInit(): void {
    if (!existsSync(join(this.dir, 'index.html')))
      this.log.warn(`the console is not built (${this.dir}/index.html is missing): run npm run build`);
  }

  @Get()
  root(@Res() res: RawResponse): void {
    res.redirect(302, '/console/');
  }

  /** What the sign-in page may offer, before anyone is signed in. */
  @Get('console/config.json')
  options(@Res() res: RawResponse): void {
    this.headers(res, 'application/json; charset=utf-8', 'no-store');
    res.status(200).send(JSON.stringify({ mailboxSignIn: this.imap.configured }));
  }

  // /console and /console/ both reach here (Express routes ignore a trailing slash); bundle URLs are absolute.
  @Get(['console', 'console/*path'])
  async file(@Param('path') path: string[] | string | undefined, @Res() res: RawResponse): Promise<void> {
    const rest = Array.isArray(path) ? path.join('/') : (path ?? '');
    const target = consoleTarget(rest);
    switch (target.kind) {
      case 'page':
        return this.page(res);
      case 'not-found':
        return this.notFound(res);
      case 'file': {
        const body = await this.read(target.file, target.immutable);
        if (!body) return this.notFound(res);
        this.headers(res, target.type, target.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
        res.status(200).send(body);
        return;
      }
    }
  }

  private async page(res: RawResponse): Promise<void> {
    const body = await this.read('index.html', false);
    if (!body) {
      this.headers(res, 'text/plain; charset=utf-8', 'no-store');
      res
        .status(503)
        .send('The console is not built on this server: run `npm run build` (it writes dist/console).\n');
      return;
    }
    this.headers(res, 'text/html; charset=utf-8', 'no-cache');
    res.status(200).send(body);
  }

  private notFound(res: RawResponse): void {
    this.headers(res, 'text/plain; charset=utf-8', 'no-store');
    res.status(404).send('Not found\n');
  }

  private headers(res: RawResponse, type: string, cache: string): void {
    for (const [name, value] of CONSOLE_HEADERS) res.setHeader(name, value);
    res.setHeader('content-type', type);
    res.setHeader('cache-control', cache);
  }

  private async read(file: string, cache: boolean): Promise<Buffer | null> {
    const hit = this.assets.get(file);
    if (hit) return hit;
    let body: Buffer;
    try {
      body = await readFile(join(this.dir, file));
    } catch {
      return null;
    }
    if (cache && this.assetBytes + body.length <= ASSET_CACHE_BYTES) {
      this.assets.set(file, body);
      this.assetBytes += body.length;
    }
    return body;
  }
}
