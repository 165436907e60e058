import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIRECTORY = join(import.meta.dirname, '../src/i18n');

/** Words that are the same in both languages: names, abbreviations, formats. */
const SAME_IN_BOTH =
  /^(OpenCVM|CSV|HTML|SMS|SMPP|SMTP|JSON|API|ID|id|UCG|RFM|URL|Liquid|GSM-7|UCS-2|HMAC|E-mail|e-mail|Webhook|webhook|Push|push|English|Русский|[-–—:/%.,()0-9\s]*)$/;

const leaves = (value: unknown, path: string): [string, unknown][] =>
  typeof value === 'object' && value !== null
    ? Object.entries(value).flatMap(([key, field]) => leaves(field, path === '' ? key : `${path}.${key}`))
    : [[path, value]];

const modules = readdirSync(DIRECTORY).filter((file) => file.endsWith('-messages.ts'));

describe('the web app speaks English and Russian', () => {
  it('has message files', () => {
    expect(modules.length).toBeGreaterThan(1);
  });

  for (const file of modules) {
    it(`${file}: every string is translated, with the same keys and kinds`, async () => {
      const module: Record<string, unknown> = await import(join(DIRECTORY, file));
      for (const [name, messages] of Object.entries(module)) {
        if (typeof messages !== 'object' || messages === null || !('en' in messages) || !('ru' in messages))
          continue;
        const english = new Map(leaves(messages.en, ''));
        const russian = new Map(leaves(messages.ru, ''));
        expect([...russian.keys()], `${name}: keys`).toEqual([...english.keys()]);
        const untranslated = [...english].filter(([path, text]) => {
          const other = russian.get(path);
          if (typeof text !== typeof other) return true;
          return (
            typeof text === 'string' &&
            text === other &&
            /[A-Za-z]{3,}/.test(text) &&
            !SAME_IN_BOTH.test(text)
          );
        });
        expect(untranslated.map(([path]) => `${name}.${path}`)).toEqual([]);
      }
    });
  }
});
