import { Badge } from '@mantine/core';
import { useMessages } from '../../i18n/i18n.tsx';
import { resultsMessages } from '../../i18n/results-messages.ts';
import { significanceColor, significanceOf } from './result-format.ts';

/** Significance in words, coloured by direction; never cut short by a narrow table column. */
export const SignificanceBadge = ({
  pValue,
  lift,
  testId,
}: {
  readonly pValue: number | null;
  readonly lift: number | null;
  readonly testId?: string;
}) => {
  const t = useMessages(resultsMessages);
  return (
    <Badge
      color={significanceColor(pValue, lift)}
      variant="light"
      data-testid={testId}
      styles={{ root: { overflow: 'visible', flexShrink: 0 }, label: { overflow: 'visible' } }}
    >
      {t.significance[significanceOf(pValue)]}
    </Badge>
  );
};
