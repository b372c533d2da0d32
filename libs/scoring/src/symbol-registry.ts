import { SYMBOL_NAME_PATTERN, type SymbolDefinition } from '@spamfilter/domain';

/** Every symbol the running pipeline can report, by name. Built once from the checks' declarations. */
export class SymbolRegistry {
  private readonly byName = new Map<string, SymbolDefinition>();

  constructor(definitions: Iterable<SymbolDefinition> = []) {
    for (const d of definitions) this.add(d);
  }

  /** Throws on a malformed or duplicate name: that is a programming error in a check, found at start-up. */
  add(definition: SymbolDefinition): void {
    if (!SYMBOL_NAME_PATTERN.test(definition.name))
      throw new Error(`symbol ${JSON.stringify(definition.name)} is not UPPER_SNAKE`);
    if (!Number.isFinite(definition.defaultWeight))
      throw new Error(`symbol ${definition.name} has no finite default weight`);
    const existing = this.byName.get(definition.name);
    if (
      existing &&
      existing !== definition &&
      (existing.group !== definition.group || existing.defaultWeight !== definition.defaultWeight)
    ) {
      throw new Error(`symbol ${definition.name} is declared twice with different definitions`);
    }
    this.byName.set(definition.name, definition);
  }

  get(name: string): SymbolDefinition | undefined {
    return this.byName.get(name);
  }

  names(): ReadonlySet<string> {
    return new Set(this.byName.keys());
  }

  all(): SymbolDefinition[] {
    return [...this.byName.values()];
  }
}
