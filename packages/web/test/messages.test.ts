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

describe('every refusal the API can send is said in English and Russian', () => {
  it('has a text for every error code, reason and translated issue kind, different in each language', async () => {
    const { API_ERROR_CODES, API_ERROR_REASONS, ISSUE_KINDS } = await import('@opencvm/core');
    const { errorsMessages } = await import('../src/i18n/errors-messages.ts');
    const table = (language: 'en' | 'ru', group: 'codes' | 'reasons' | 'issueKinds'): Map<string, unknown> =>
      new Map(Object.entries(errorsMessages[language][group]));
    const expected: [group: 'codes' | 'reasons' | 'issueKinds', names: readonly string[]][] = [
      ['codes', [...API_ERROR_CODES, 'unexpected_answer', 'network']],
      ['reasons', API_ERROR_REASONS],
      // `custom` issues carry only the server's words: there is nothing general to translate.
      ['issueKinds', ISSUE_KINDS.filter((kind) => kind !== 'custom')],
    ];
    for (const [group, names] of expected) {
      const english = table('en', group);
      const russian = table('ru', group);
      expect([...english.keys()].sort(), group).toEqual([...names].sort());
      for (const name of names) {
        const en = english.get(name);
        const ru = russian.get(name);
        expect(typeof en === 'string' && en.length > 0, `${group}.${name} in English`).toBe(true);
        expect(typeof ru === 'string' && /[А-Яа-яЁё]/.test(ru), `${group}.${name} in Russian`).toBe(true);
      }
    }
  });

  it('shows a refusal with a reason in the user language, and the server text only where nothing fits', async () => {
    const { ApiError } = await import('../src/api/client.ts');
    const { errorText } = await import('../src/components/error-text.ts');
    const { errorsMessages } = await import('../src/i18n/errors-messages.ts');
    const ru = errorsMessages.ru;
    const stale = new ApiError(409, 'conflict', 'segment "x" changed meanwhile', null, null, 'stale_version');
    expect(errorText(stale, ru, 'ru')).toEqual({
      text: ru.reasons.stale_version,
      path: null,
      issues: [],
      detail: null,
    });
    const invalid = new ApiError(
      400,
      'invalid_body',
      'rule.rules[0].attribute: unknown attribute "citty"',
      null,
      {
        issues: [
          { path: 'rule.rules[0].attribute', message: 'unknown attribute "citty"', kind: 'unknown_name' },
          { path: 'name', message: 'must not be "x"', kind: 'custom' },
        ],
      },
    );
    expect(errorText(invalid, ru, 'ru').issues).toEqual([
      { path: 'rule.rules[0].attribute', text: ru.issueKinds.unknown_name },
      { path: 'name', text: 'must not be "x"' },
    ]);
    // English readers get the server's own, more precise words for each field.
    expect(errorText(invalid, errorsMessages.en, 'en').issues[0]?.text).toBe('unknown attribute "citty"');
    const missing = new ApiError(404, 'not_found', 'no segment "x"', null, null);
    expect(errorText(missing, ru, 'ru')).toMatchObject({
      text: ru.codes.not_found,
      detail: 'no segment "x"',
    });
    expect(errorText(new TypeError('Failed to fetch'), ru, 'ru').text).toBe(ru.codes.network);
  });
});
