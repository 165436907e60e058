import {
  Alert,
  Anchor,
  Button,
  Center,
  Group,
  Loader,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { type FormEvent, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useAuth } from '../../auth.tsx';
import { ErrorAlert } from '../../components/error-alert.tsx';
import { commonMessages } from '../../i18n/common-messages.ts';
import { customersMessages } from '../../i18n/customers-messages.ts';
import { useMessages } from '../../i18n/i18n.tsx';
import { type CustomerMatch, customerApi } from './customer-api.ts';
import { AttributeValue } from './customer-parts.tsx';

const PAGE = 50;

type SearchState =
  | { readonly status: 'idle' }
  | { readonly status: 'loading' }
  | { readonly status: 'error'; readonly error: unknown }
  | {
      readonly status: 'ready';
      readonly items: readonly CustomerMatch[];
      readonly nextCursor: string | null;
      readonly loadingMore: boolean;
    };

/** `/customers`: a search box; the text lives in the address (`?q=`), so back and reload keep the results. */
export const CustomerSearch = () => {
  const t = useMessages(customersMessages);
  const c = useMessages(commonMessages);
  const auth = useAuth();
  const masked = auth.state.status === 'signed-in' && auth.state.session.masked;
  const [params, setParams] = useSearchParams();
  const query = params.get('q') ?? '';
  const [text, setText] = useState(query);
  const [state, setState] = useState<SearchState>({ status: 'idle' });

  useEffect(() => {
    setText(query);
    if (query === '') {
      setState({ status: 'idle' });
      return;
    }
    let current = true;
    setState({ status: 'loading' });
    customerApi.search(query, PAGE, null).then(
      (page) => {
        if (current) setState({ status: 'ready', ...page, loadingMore: false });
      },
      (error: unknown) => {
        if (current) setState({ status: 'error', error });
      },
    );
    return () => {
      current = false;
    };
  }, [query]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = text.trim();
    setParams(trimmed === '' ? {} : { q: trimmed });
  };

  const loadMore = async () => {
    if (state.status !== 'ready' || state.nextCursor === null) return;
    setState({ ...state, loadingMore: true });
    try {
      const page = await customerApi.search(query, PAGE, state.nextCursor);
      setState({
        status: 'ready',
        items: [...state.items, ...page.items],
        nextCursor: page.nextCursor,
        loadingMore: false,
      });
    } catch (error) {
      setState({ status: 'error', error });
    }
  };

  const attributeNames =
    state.status === 'ready' ? [...new Set(state.items.flatMap((item) => Object.keys(item.attributes)))] : [];

  return (
    <Stack>
      <Title order={2}>{t.title}</Title>
      <search>
        <form onSubmit={submit}>
          <Group align="flex-end">
            <TextInput
              label={t.searchLabel}
              description={masked ? t.searchHintMasked : t.searchHint}
              value={text}
              onChange={(event) => setText(event.currentTarget.value)}
              maxLength={320}
              w={520}
              autoComplete="off"
            />
            <Button type="submit" disabled={text.trim() === ''}>
              {c.search}
            </Button>
          </Group>
        </form>
      </search>
      {state.status === 'idle' && <Text c="dimmed">{t.searchPrompt}</Text>}
      {state.status === 'loading' && (
        <Center p="xl">
          <Loader aria-label={c.loading} />
        </Center>
      )}
      {state.status === 'error' && <ErrorAlert error={state.error} />}
      {state.status === 'ready' && state.items.length === 0 && (
        <Alert color="gray">{t.noMatches(query)}</Alert>
      )}
      {state.status === 'ready' && state.items.length > 0 && (
        <>
          <Text size="sm" c="dimmed" data-testid="customer-results-count">
            {t.found(state.items.length, state.nextCursor !== null)}
          </Text>
          <Table striped highlightOnHover withTableBorder aria-label={t.title}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t.columns.id}</Table.Th>
                <Table.Th>{t.columns.msisdn}</Table.Th>
                <Table.Th>{t.columns.email}</Table.Th>
                <Table.Th>{t.columns.locale}</Table.Th>
                {attributeNames.map((name) => (
                  <Table.Th key={name}>{name}</Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {state.items.map((item) => (
                <Table.Tr key={item.id}>
                  <Table.Td>
                    <Anchor
                      component={Link}
                      to={`/customers/${encodeURIComponent(item.id)}`}
                      aria-label={t.open(item.id)}
                    >
                      {item.id}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{item.msisdn ?? t.empty}</Table.Td>
                  <Table.Td>{item.email ?? t.empty}</Table.Td>
                  <Table.Td>{item.locale ?? t.empty}</Table.Td>
                  {attributeNames.map((name) => (
                    <Table.Td key={name}>
                      <AttributeValue value={item.attributes[name] ?? null} />
                    </Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {state.nextCursor !== null && (
            <Group>
              <Button variant="default" onClick={() => void loadMore()} loading={state.loadingMore}>
                {t.more}
              </Button>
            </Group>
          )}
        </>
      )}
    </Stack>
  );
};
