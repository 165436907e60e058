import { Stack, Tabs, Title } from '@mantine/core';
import { Route, Routes, useLocation, useNavigate } from 'react-router';
import { useMessages } from '../../i18n/i18n.tsx';
import { offersMessages } from '../../i18n/offers-messages.ts';
import { ContentEditor } from './content-editor.tsx';
import { OfferCatalog } from './offer-catalog.tsx';
import { OfferCreate, OfferEdit } from './offer-form.tsx';

/**
 * `/offers`: the catalog; `/offers/new` and `/offers/edit/:id`: the offer form (under `edit/`, so
 * an offer may be called `new` or `content`); `/offers/content`: the content template editor.
 */
export const OffersPage = () => {
  const t = useMessages(offersMessages);
  const navigate = useNavigate();
  const location = useLocation();
  const tab = location.pathname.startsWith('/offers/content') ? 'content' : 'catalog';
  return (
    <Stack>
      <Title order={2}>{t.title}</Title>
      <Tabs
        value={tab}
        onChange={(value) => {
          if (value === 'content') void navigate('/offers/content');
          else if (value === 'catalog') void navigate('/offers');
        }}
      >
        <Tabs.List>
          <Tabs.Tab value="catalog">{t.tabs.catalog}</Tabs.Tab>
          <Tabs.Tab value="content">{t.tabs.content}</Tabs.Tab>
        </Tabs.List>
      </Tabs>
      <Routes>
        <Route index element={<OfferCatalog />} />
        <Route path="new" element={<OfferCreate />} />
        <Route path="edit/:id" element={<OfferEdit />} />
        <Route path="content" element={<ContentEditor />} />
      </Routes>
    </Stack>
  );
};
