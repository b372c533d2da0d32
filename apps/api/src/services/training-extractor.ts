import { Injectable } from '@nestjs/common';
import type { ParsedMessage } from '@spamfilter/mail';
import type { MarkTraining } from './feedback-payload';

/**
 * The training data of a raw mark (no scan record holds it): the sender, whether it is list mail (RFC 2369
 * List-Unsubscribe) and the Bayes tokens. Tokens must come from the same tokenizer the filter classifies with
 * (libs/bayes), or training would not move the user's next verdict.
 */
@Injectable()
export class TrainingExtractor {
  constructor(private readonly tokenize: (message: ParsedMessage) => readonly string[]) {}

  fromMessage(message: ParsedMessage): MarkTraining {
    return {
      tokens: this.tokenize(message),
      sender: message.from?.address ? message.from.address.toLowerCase() : null,
      hasListUnsubscribe: message.headers.some((h) => h.name === 'list-unsubscribe'),
    };
  }
}
