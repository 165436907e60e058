import { SegmentedControl } from '@mantine/core';
import { commonMessages } from '../i18n/common-messages.ts';
import { LOCALES, useLocale, useMessages } from '../i18n/i18n.tsx';

export const LanguageSwitch = () => {
  const t = useMessages(commonMessages);
  const { locale, setLocale } = useLocale();
  return (
    <SegmentedControl
      aria-label={t.language}
      size="xs"
      value={locale}
      onChange={(value) => {
        const next = LOCALES.find((candidate) => candidate === value);
        if (next !== undefined) setLocale(next);
      }}
      data={LOCALES.map((value) => ({ value, label: t.languages[value] }))}
    />
  );
};
